"""Issue 32, items 8 and 9: a damaged index pointer and a full disk during a build.

The CLI runs as a user runs it (a subprocess with RAG_* variables): every failure is one
`error:` line naming what to do, never a traceback, and `rag index` recovers on its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from rag.assistant import Assistant
from rag.cli import main
from rag.core.errors import IndexCorruptError
from rag.index.local.versions import VersionStore

QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"


def _env(settings) -> dict[str, str]:
    p = settings.paths
    return {**os.environ, "RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
            "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}


def _rag(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], env=_env(settings), capture_output=True,
                          text=True, timeout=300)


# -- item 8: index/CURRENT ----------------------------------------------------------------------
def _outside_copy(index_dir, tmp_path) -> str:
    """A complete copy of the live version outside the index folder; CURRENT's relative path to it."""
    live = VersionStore(index_dir).current_dir()
    outside = tmp_path / "elsewhere" / live.name
    shutil.copytree(live, outside)
    return os.path.relpath(outside, index_dir / "versions")


@pytest.mark.parametrize("pointer", ["binary", "escape", "absolute", "dot", "empty-line-garbage"])
def test_a_damaged_pointer_is_named_and_rag_index_recovers(hashing_assistant, hashing_settings, tmp_path,
                                                           monkeypatch, capsys, pointer):
    index_dir = hashing_settings.paths.index_dir
    current = index_dir / "CURRENT"
    if pointer == "binary":
        current.write_bytes(bytes(range(256)) * 4)
    elif pointer == "escape":
        current.write_text(_outside_copy(index_dir, tmp_path) + "\n")  # "../../elsewhere/<version>"
    elif pointer == "absolute":
        current.write_text(str(VersionStore(index_dir).current_dir()) + "\n")
    elif pointer == "dot":
        current.write_text("..\n")
    else:
        current.write_text("20261207T120000-abcdef\n\x00\x01 weiterer Müll\n")
    with pytest.raises(IndexCorruptError, match="index pointer .*CURRENT.* rag index"):
        Assistant.from_settings(hashing_settings).ask(QUESTION)
    if pointer == "binary":  # once as a process, as a user sees it
        result = _rag(hashing_settings, "status")
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith("error: The index pointer ") and "rag index" in result.stderr
    for key, value in _env(hashing_settings).items():
        monkeypatch.setenv(key, value)
    for command in (["ask", QUESTION], ["status"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: The index pointer ") and "rag index" in err
    assert main(["index"]) == 0
    assert "Full build (existing index unusable (The index pointer" in capsys.readouterr().out
    assert Assistant.from_settings(hashing_settings).ask(QUESTION).citations
    assert VersionStore(index_dir).current_dir().parent == index_dir / "versions"

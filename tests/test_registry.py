"""The shared registry of pluggable parts (rag/core/registry.py), through the embedders'."""

from __future__ import annotations

import pytest

from rag.core.config import EmbeddingSettings
from rag.core.errors import BackendUnavailableError
from rag.models.embedders import EMBEDDERS, build_embedder


def test_an_unknown_embedder_lists_the_choices(tmp_path):
    with pytest.raises(BackendUnavailableError) as err:
        build_embedder(EmbeddingSettings(backend="no-such-embedder"), tmp_path)
    assert "Unknown embedder backend 'no-such-embedder'" in str(err.value)
    assert all(name in str(err.value) for name in ("hashing", "onnx", "sentence-transformers"))


def test_a_missing_module_names_the_install_command(tmp_path):
    with EMBEDDERS.temporarily("needs-nothing-real", lambda s, d: None, requires=("rag_no_such_module_xyz",),
                               install="pip install rag-no-such-package"):
        with pytest.raises(BackendUnavailableError, match="Install it with: pip install rag-no-such-package"):
            build_embedder(EmbeddingSettings(backend="needs-nothing-real"), tmp_path)
    # Gone after the block: the registry is as it was.
    assert "needs-nothing-real" not in EMBEDDERS.names()

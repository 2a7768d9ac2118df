"""What an eval run measured: the index, the documents, the models, the code and the data.

`collect(assistant, datasets)` is recorded in every report (``provenance``) so a change
between two runs can be traced to its cause:

- ``index_version``: the live version, as `rag status` shows it; ``index_sha256`` hashes the
  index's data files (their sha256 from the manifest), so an index rebuilt from the same
  documents with the same embedder keeps it while its version name changes;
- ``corpus_sha256``: sha256 over the sorted "source<TAB>content hash" lines of the indexed
  documents (a renamed file changes it: gold sources are file names), and
  ``documents``: each document's content hash, to name what was added, removed or changed;
- ``embedder`` and ``reader_params``: the parameter files with their sha256 (the ONNX
  export's ``onnx_model.json`` lists the sha256 of every weight file);
- ``backend``: the configured answer backend and model;
- ``code``: the git commit of the code, and a hash of its uncommitted changes, when run
  from a git checkout;
- ``dataset``: each data file of the run (questions, CSV, SQuAD JSON) with its sha256.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

from rag.core.fsio import sha256_file

GIT_TIMEOUT_S = 5.0


def file_record(path: str | Path | None) -> dict[str, Any] | None:
    """{"path", "sha256"} of a file; sha256 is None when it cannot be read."""
    if path is None:
        return None
    path = Path(path)
    try:
        digest = sha256_file(path)
    except OSError:
        digest = None
    return {"path": str(path), "sha256": digest}


def corpus_fingerprint(manifest) -> dict[str, Any]:
    """The documents of an index manifest: their hashes and one hash over all of them."""
    documents = {source: entry.content_hash for source, entry in sorted(manifest.documents.items())}
    lines = "".join(f"{source}\t{digest}\n" for source, digest in documents.items())
    return {"corpus_sha256": hashlib.sha256(lines.encode("utf-8")).hexdigest(),
            "n_documents": len(documents), "documents": documents}


def index_fingerprint(view) -> dict[str, Any]:
    """The live index version and a hash of its data files (None for a store that keeps its
    rows elsewhere, e.g. Milvus)."""
    manifest = view.manifest
    files = sorted((name, entry.sha256) for name, entry in manifest.files.items())
    lines = "".join(f"{name}\t{digest}\n" for name, digest in files)
    return {
        "index_version": view.version,
        "index_sha256": hashlib.sha256(lines.encode("utf-8")).hexdigest() if files else None,
        "index_embedder": manifest.embedder.model_id,
        "chunking": {"chunker": manifest.chunking.chunker, "chunk_size": manifest.chunking.chunk_size,
                     "chunk_overlap": manifest.chunking.chunk_overlap},
        "index_built_at": manifest.created_at,
    }


def embedder_record(settings, model_id: str) -> dict[str, Any]:
    """The embedder's backend, id and parameter file (None for one without files: hashing)."""
    emb = settings.embedding
    record: dict[str, Any] = {"backend": emb.backend, "model": emb.model, "model_id": model_id,
                              "precision": emb.precision, "file": None}
    try:
        if emb.backend == "onnx":
            from rag.models import resolve_onnx

            record["file"] = file_record(resolve_onnx(emb.model, settings.paths.models_dir) / "onnx_model.json")
        elif emb.backend == "sentence-transformers":
            from rag.models import resolve_embedder

            location = resolve_embedder(emb.model, settings.paths.models_dir)[0]
            if isinstance(location, Path) and (location / "rag_model.json").is_file():
                record["file"] = file_record(location / "rag_model.json")
    except Exception as exc:  # noqa: BLE001 - provenance must never lose a finished run
        record["file_error"] = f"{type(exc).__name__}: {exc}"
    return record


def code_commit(root: Path | None = None) -> dict[str, Any] | None:
    """{"commit", "dirty", "changes_sha256"} of the git checkout holding this code; None
    outside git. ``changes_sha256`` hashes the uncommitted changes to the package and
    pyproject.toml (the diff and any new files), so two runs on the same dirty tree are
    told apart from two runs on different edits."""
    root = root or Path(__file__).resolve().parents[2]

    def git(*args: str) -> bytes:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              timeout=GIT_TIMEOUT_S, check=True).stdout

    try:
        head = git("rev-parse", "HEAD").decode().strip()
        diff = git("diff", "HEAD", "--", "rag", "pyproject.toml")
        new_files = git("ls-files", "--others", "--exclude-standard", "-z", "--", "rag").split(b"\0")
    except (OSError, subprocess.SubprocessError):
        return None
    digest = hashlib.sha256(diff)
    for name in sorted(n for n in new_files if n):
        digest.update(name)
        try:
            digest.update(sha256_file(root / name.decode()).encode())
        except OSError:
            continue
    dirty = bool(diff.strip()) or any(new_files)
    return {"commit": head, "dirty": dirty, "changes_sha256": digest.hexdigest() if dirty else None}


def collect(assistant, datasets: list[str | Path | None]) -> dict[str, Any]:
    """Everything above for `assistant` (its live index must exist) and the run's data files."""
    settings = assistant.settings
    view = assistant.index()
    return {
        **index_fingerprint(view),
        **corpus_fingerprint(view.manifest),
        "embedder": embedder_record(settings, assistant.embedder.model_id),
        "reader_params": file_record(assistant.reader.params_file),
        "backend": {"name": settings.llm.backend, "model": settings.llm.model or None,
                    "base_url": settings.llm.base_url or None, "model_path": settings.llm.model_path or None},
        "code": code_commit(),
        "dataset": [file_record(p) for p in datasets if p is not None],
    }

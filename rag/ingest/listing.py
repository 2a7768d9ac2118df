"""The documents directory against the live index: what each file's state is, and removing one.

The listing says what the next update (`rag index`, `POST /api/index`) will do with each
document: `indexed` (nothing), `new` or `changed` (embed it), `deleted` (drop it from the
index; its file is gone). An unchanged stat is trusted, as in `sources.py`; a file whose
stat differs is hashed, so a `touch` does not make it look changed.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from rag.core.errors import NotFoundError
from rag.index.manifest import DocumentEntry
from rag.ingest.documents import list_sources
from rag.ingest.imports import IMPORT_SUFFIX
from rag.ingest.sidecar import SIDECAR_SUFFIX
from rag.ingest.sources import file_digest, file_key


@dataclass(frozen=True)
class DocumentState:
    source: str  # path relative to the documents directory, "/"-separated: its id
    state: str  # "indexed" | "new" | "changed" | "deleted" | "imported" (a row of an import spec)
    title: str | None  # as indexed (None until it is)
    date: str | None
    chunks: int  # chunks in the live index (0 until indexed)
    size: int | None  # bytes on disk (None once deleted)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _on_disk(seeds_dir: Path) -> dict[str, Path]:
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        return {}
    return {p.relative_to(seeds_dir).as_posix(): p for p in list_sources(seeds_dir)}


def _state(path: Path, meta: DocumentEntry) -> str:
    try:
        if meta.stat is not None and meta.stat == file_key(path):
            return "indexed"
        same = file_digest(path) == meta.content_hash
    except OSError:
        same = False
    return "indexed" if same else "changed"


def list_documents(seeds_dir: Path, indexed: Mapping[str, DocumentEntry]) -> list[DocumentState]:
    """Every document on disk or in the index, sorted by source."""
    files = _on_disk(seeds_dir)
    out = []
    for source in sorted(set(files) | set(indexed)):
        meta, path = indexed.get(source), files.get(source)
        if path is None and meta is not None and "#" in source:  # a row of an import spec
            out.append(DocumentState(source, "imported", meta.title, meta.date, meta.n_chunks, None))
            continue
        if path is None:
            out.append(DocumentState(source, "deleted", meta.title, meta.date, meta.n_chunks, None))
            continue
        try:
            st = path.stat()
        except OSError:  # removed between listing and stat
            continue
        if meta is None:
            out.append(DocumentState(source, "new", None, None, 0, st.st_size))
        else:
            out.append(DocumentState(source, _state(path, meta), meta.title, meta.date,
                                     meta.n_chunks, st.st_size))
    return out


def remove_document(seeds_dir: Path, source: str) -> str:
    """Delete the file of document `source` (an id from `list_documents`). Only a listed file
    can be named, so no path outside the documents directory can be reached."""
    path = _on_disk(seeds_dir).get(source)
    if path is None and "#" in source:
        raise NotFoundError(f"{source!r} is a row of the imported file {source.split('#', 1)[0]}: "
                            f"remove the *{IMPORT_SUFFIX} spec that names it instead.")
    if path is None:
        raise NotFoundError(f"There is no document {source!r} in the documents folder.")
    try:
        path.unlink()
        Path(os.fspath(path) + SIDECAR_SUFFIX).unlink(missing_ok=True)  # its metadata goes with it
    except FileNotFoundError:
        raise NotFoundError(f"There is no document {source!r} in the documents folder.") from None
    return source

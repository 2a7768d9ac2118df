"""The documents directory against the live index: what each file's state is, and removing one.

The listing says what the next update (`rag index`, `POST /api/index`) will do with each
document: `indexed` (nothing), `new` or `changed` (embed it), `deleted` (drop it from the
index; its file is gone). An unchanged stat is trusted, as in `sources.py`; a file whose
stat differs is hashed, so a `touch` does not make it look changed.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from rag.core.errors import NotFoundError
from rag.index.manifest import DocumentEntry
from rag.ingest.documents import list_sources
from rag.ingest.formats import format_for_suffix
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
    size: int | None  # bytes on disk (None once deleted, and for imported rows)
    # Where `date` comes from ("user", "marker", "metadata", "dateline", "inferred"; see
    # rag.core.types.Document); None until indexed, and for an index built before it was recorded.
    date_source: str | None = None
    # The format that read it ("text", "html", "pdf", "docx"; "csv"/"jsonl" for imported rows).
    # Until indexed, the format its suffix claims (the content may still decide otherwise).
    format: str | None = None

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
        fmt = (meta.format if meta is not None else None) or suffix_format(source)
        if path is None and meta is not None and "#" in source:  # a row of an import spec
            out.append(DocumentState(source, "imported", meta.title, meta.date, meta.n_chunks, None,
                                     meta.date_source, fmt))
            continue
        if path is None:
            out.append(DocumentState(source, "deleted", meta.title, meta.date, meta.n_chunks, None,
                                     meta.date_source, fmt))
            continue
        try:
            st = path.stat()
        except OSError:  # removed between listing and stat
            continue
        if meta is None:
            out.append(DocumentState(source, "new", None, None, 0, st.st_size, None, fmt))
        else:
            out.append(DocumentState(source, _state(path, meta), meta.title, meta.date,
                                     meta.n_chunks, st.st_size, meta.date_source, fmt))
    return out


def suffix_format(source: str) -> str | None:
    """The format a document's name claims: its suffix's ("text" for .md), the import's for a row."""
    name = source.split("#", 1)[0]
    suffix = PurePosixPath(name).suffix.lower()
    if "#" in source:  # a row: recorded since wave 3; before, told by the imported file's suffix
        return "jsonl" if suffix in (".jsonl", ".ndjson", ".json") else "csv"
    fmt = format_for_suffix(suffix)
    return fmt.name if fmt is not None else None


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

"""One document as the library's preview shows it: its whole cleaned text and its chunks.

Offsets are into the cleaned text, as in every citation, so a viewer can highlight a cited
span (`Citation.start`/`end`) and each chunk in the same text.

- A file in the documents folder is read as the next rebuild would read it (its sidecar
  included). When it is `indexed`, its chunks are the live index's; otherwise (`new`,
  `changed`) they are the chunks the next rebuild will make, marked `indexed: false`.
- A document with no file of its own (an imported CSV/JSONL row, or a file deleted since the
  last rebuild) is shown from the index: its text is put together from its chunks at their
  offsets. Chunks cover every sentence; only whitespace between two chunks that do not
  overlap is unknown, and shown as one space.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from rag.core.config import ChunkingSettings, IngestSettings
from rag.core.errors import NotFoundError
from rag.core.types import Chunk
from rag.index.manifest import DocumentEntry
from rag.ingest.chunking import chunk_document
from rag.ingest.documents import read_document
from rag.ingest.formats import Rejected
from rag.ingest.listing import list_documents
from rag.ingest.sidecar import SIDECAR_SUFFIX


@dataclass(frozen=True)
class ChunkSpan:
    chunk_id: str
    start: int  # offsets into DocumentPreview.text
    end: int
    page: int | None
    indexed: bool  # False: what the next rebuild will index (the file is new or changed)


@dataclass(frozen=True)
class DocumentPreview:
    """A document's listing row (`DocumentState`) with its text and chunks."""

    source: str
    state: str
    title: str | None
    date: str | None
    date_source: str | None
    format: str | None
    url: str | None
    text: str
    chunks: tuple[ChunkSpan, ...]
    # Why the text is not the file's own, or why there are no chunks ("" when all is normal).
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "chunks": [asdict(c) for c in self.chunks]}


def _spans(chunks: list[Chunk], indexed: bool) -> tuple[ChunkSpan, ...]:
    return tuple(ChunkSpan(c.chunk_id, c.start, c.end, c.page, indexed) for c in chunks)


def _from_chunks(chunks: list[Chunk], length: int) -> str:
    chars = [" "] * max(length, max((c.end for c in chunks), default=0))
    for c in chunks:
        chars[c.start:c.end] = c.text
    return "".join(chars)


def _indexed_chunks(view, source: str) -> tuple[DocumentEntry | None, list[Chunk]]:
    entry = view.manifest.documents.get(source) if view is not None else None
    return entry, (view.chunks_of(view.document_keys(entry.id_range)) if entry is not None else [])


def text_before(view, source: str, end: int, chunks: int = 3) -> str | None:
    """Document `source`'s text from up to `chunks` chunks before offset `end` to `end`, as
    the live index `view` holds it (None when it is not indexed)."""
    _, found = _indexed_chunks(view, source)
    found = [c for c in found if c.start < end][-chunks:]
    if not found:
        return None
    return _from_chunks([replace(c, start=c.start - found[0].start, end=c.end - found[0].start) for c in found],
                        end - found[0].start)[:end - found[0].start]


def document_preview(source: str, seeds_dir: Path, view, chunking: ChunkingSettings,
                     limits: IngestSettings) -> DocumentPreview:
    """The preview of document `source` (an id `list_documents` gives) from the documents
    folder and the live index `view` (None before the first build); NotFoundError if unknown."""
    indexed = view.manifest.documents if view is not None else {}
    row = next((d for d in list_documents(seeds_dir, indexed) if d.source == source), None)
    if row is None:
        raise NotFoundError(f"There is no document {source!r}.")
    entry, indexed_chunks = _indexed_chunks(view, source)
    meta = dict(source=row.source, state=row.state, title=row.title, date=row.date,
                date_source=row.date_source, format=row.format)
    url = indexed_chunks[0].url if indexed_chunks else None
    path = Path(seeds_dir) / row.source
    if row.state in ("imported", "deleted") or not path.is_file():
        if not indexed_chunks:
            raise NotFoundError(f"There is no document {row.source!r} to preview.")
        return DocumentPreview(**meta, url=url, text=_from_chunks(indexed_chunks, entry.chars if entry else 0),
                               chunks=_spans(indexed_chunks, True),
                               note="shown from the index: whitespace between chunks is approximate")
    sidecar = Path(str(path) + SIDECAR_SUFFIX)
    doc = read_document(row.source, path.read_bytes(), limits,
                        sidecar.read_bytes() if sidecar.is_file() else None)
    if isinstance(doc, Rejected):
        return DocumentPreview(**meta, url=url, text="", chunks=(),
                               note=f"the next rebuild will skip it: {doc.reason}")
    if row.state == "indexed" and indexed_chunks and all(doc.text[c.start:c.end] == c.text for c in indexed_chunks):
        return DocumentPreview(**meta, url=doc.url, text=doc.text, chunks=_spans(indexed_chunks, True))
    # New or changed (or read differently since it was indexed): what the next rebuild makes.
    return DocumentPreview(**{**meta, "title": doc.title, "date": doc.date, "date_source": doc.date_source,
                              "format": doc.format or row.format},
                           url=doc.url, text=doc.text, chunks=_spans(chunk_document(doc, chunking), False),
                           note="not indexed yet: the chunks the next rebuild will make")

"""The index manifest as a typed, immutable object: what a version holds and how it was built.

On disk it is `manifest.json` (format 2): the embedder and chunking that built it, every
document's content hash, file stat and chunk-id range, the segments, and the size and
sha256 of every file. `Manifest.from_json` validates the shape; a malformed manifest is an
`IndexCorruptError` with the command that rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rag.core.errors import IndexCorruptError, IndexMismatchError
from rag.core.types import embedder_model

FORMAT_VERSION = 2  # 2: segments (rag/index/local/segments.py); 1 had one vectors.faiss per version
REBUILD_HINT = "Rebuild it with: rag index --rebuild"


@dataclass(frozen=True, slots=True)
class EmbedderInfo:
    backend: str
    model_id: str
    dim: int


@dataclass(frozen=True, slots=True)
class ChunkingInfo:
    chunker: str
    chunk_size: int
    chunk_overlap: int


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    doc_id: str
    content_hash: str
    title: str
    date: str | None
    id_range: tuple[int, int]  # [start, stop) of its stable chunk ids
    chars: int
    stat: tuple[int, ...] | None = None  # (size, mtime_ns, ctime_ns, inode) when last read
    # Recorded since wave 3 (None in entries written before: `rag index --rebuild` fills them).
    date_source: str | None = None  # see rag.core.types.Document.date_source
    format: str | None = None  # the format that read it: "text", "pdf", ..., "csv" for an imported row

    @property
    def n_chunks(self) -> int:
        return self.id_range[1] - self.id_range[0]


@dataclass(frozen=True, slots=True)
class FileEntry:
    size: int
    sha256: str
    # (mtime_ns, inode) when published: an unchanged stat means unchanged bytes, so an update
    # with nothing to do checks files without reading them (as git does for the work tree).
    stat: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    name: str
    rows: int
    # Large segments only: their HNSW graph's parameters and measured recall@10 (ann.py).
    ann: dict[str, Any] | None = None


@dataclass(frozen=True)
class Manifest:
    embedder: EmbedderInfo
    chunking: ChunkingInfo
    documents: dict[str, DocumentEntry]  # by source (file name relative to the documents dir)
    next_id: int = 0  # the next stable chunk id
    next_segment: int = 0
    segments: tuple[SegmentEntry, ...] = ()
    n_chunks: int = 0
    scan_started_ns: int = 0  # when the stats in `documents` were taken (rag/ingest/sources.py)
    created_at: str = ""
    files: dict[str, FileEntry] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    # The embedder of the stored sentence vectors (rag/index/sentences.py): the question
    # embedder at build time. None: an index built before they were stored.
    sentences: EmbedderInfo | None = None

    def incompatibility(self, embedder: EmbedderInfo, chunking: ChunkingInfo,
                        sentences: EmbedderInfo | None = None) -> str:
        """Why vectors of this index cannot be mixed with new ones ("" when they can)."""
        if (self.embedder.model_id, self.embedder.dim) != (embedder.model_id, embedder.dim):
            return f"embedder changed from {self.embedder.model_id!r} to {embedder.model_id!r}"
        if self.chunking != chunking:
            return f"chunking changed from {_plain(self.chunking)} to {_plain(chunking)}"
        if sentences is not None and self.sentences is None:
            return "the index has no sentence vectors (it was built before they were stored)"
        if sentences is not None and (self.sentences.model_id, self.sentences.dim) != (sentences.model_id, sentences.dim):
            return f"sentence embedder changed from {self.sentences.model_id!r} to {sentences.model_id!r}"
        return ""

    def sentence_model(self, model_id: str) -> str | None:
        """The id of the stored sentence vectors when they are `model_id`'s (the question
        embedder's), else None: the reader then encodes the sentences itself."""
        if self.sentences is not None and self.sentences.model_id == model_id:
            return model_id
        return None

    def check_embedder(self, model_id: str, dim: int) -> None:
        """Refuse to mix vectors of two models: a query must use the index's model. An index
        of "<model>+int8-blocked" holds that model's vectors built at int8, which its fp32
        questions search (rag/models/embedders.py)."""
        if embedder_model(model_id) != embedder_model(self.embedder.model_id) or dim != int(self.embedder.dim):
            raise IndexMismatchError(
                f"The index was built with embedder {self.embedder.model_id!r} (dim {self.embedder.dim}), "
                f"but {model_id!r} (dim {dim}) is configured. Rebuild with: rag index --rebuild")

    def with_files(self, files: dict[str, FileEntry]) -> "Manifest":
        return replace(self, files=files, format_version=FORMAT_VERSION)

    def to_json(self) -> dict[str, Any]:
        """The plain JSON form (orjson serialises it fast: 3 MB at 10k documents)."""
        return {
            "embedder": _plain(self.embedder), "chunking": _plain(self.chunking),
            "created_at": self.created_at, "documents": {s: _plain(d) for s, d in self.documents.items()},
            "next_id": self.next_id, "scan_started_ns": self.scan_started_ns,
            "next_segment": self.next_segment, "segments": [_plain(s) for s in self.segments],
            "n_chunks": self.n_chunks, "format_version": self.format_version,
            "files": {rel: _plain(f) for rel, f in self.files.items()},
            "sentences": _plain(self.sentences) if self.sentences is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> "Manifest":
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            found = data.get("format_version") if isinstance(data, dict) else None
            raise IndexCorruptError(f"Index format {found!r} is not supported "
                                    f"(this version reads {FORMAT_VERSION}). {REBUILD_HINT}")
        try:
            return cls(
                embedder=EmbedderInfo(**data["embedder"]),
                chunking=ChunkingInfo(**data["chunking"]),
                documents={s: _document(d) for s, d in data["documents"].items()},
                next_id=int(data["next_id"]),
                next_segment=int(data.get("next_segment", 0)),
                segments=tuple(SegmentEntry(**s) for s in data.get("segments", [])),
                n_chunks=int(data.get("n_chunks", 0)),
                scan_started_ns=int(data.get("scan_started_ns", 0)),
                created_at=str(data.get("created_at", "")),
                files={rel: _file(f) for rel, f in data.get("files", {}).items()},
                format_version=FORMAT_VERSION,
                sentences=EmbedderInfo(**data["sentences"]) if data.get("sentences") else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorruptError(f"The index manifest is malformed ({exc!r}). {REBUILD_HINT}") from None


def _document(d: dict[str, Any]) -> DocumentEntry:
    stat = d.get("stat")
    return DocumentEntry(d["doc_id"], d["content_hash"], d["title"], d.get("date"),
                         (int(d["id_range"][0]), int(d["id_range"][1])), int(d.get("chars", 0)),
                         tuple(stat) if stat is not None else None, d.get("date_source"), d.get("format"))


def _file(f: dict[str, Any]) -> FileEntry:
    stat = f.get("stat")
    return FileEntry(int(f["size"]), str(f["sha256"]), tuple(stat) if stat is not None else None)


def _plain(obj: Any) -> dict[str, Any]:
    out = {}
    for name in obj.__dataclass_fields__:
        value = getattr(obj, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out

"""Building and incrementally updating the index: only new or changed content is embedded.

Documents are compared with the live manifest by content hash. Unchanged documents keep
their chunks and vectors (by stable chunk id); renamed ones reuse their vectors; identical
content under a second name is reported as a duplicate and not indexed twice. A different
embedder or chunking configuration forces a full rebuild, so vectors of two models are
never mixed. The same function serves `rag index` and the UI's rebuild button.

Everything but reading and hashing the seed files costs O(changed): this module plans the
next version (`IndexUpdate`) and embeds its new chunks; the store publishes it
(`rag.index.local.store`: one new segment, the rest hard-linked; `rag.index.milvus`: upserts
and deletes). Reading, chunking and embedding are a runner's (`rag.ingest.runners`: this
process, or Ray); the plan is the same whichever ran them.
"""

from __future__ import annotations

import contextlib
import gc
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from rag.core.config import ChunkingSettings, IndexSettings, IngestSettings
from rag.core.errors import IndexCorruptError, IndexMissingError
from rag.core.types import Chunk, Document
from rag.index.changes import IndexUpdate
from rag.index.local.store import LocalStore
from rag.index.manifest import ChunkingInfo, DocumentEntry, EmbedderInfo
from rag.index.sentences import SentenceRows
from rag.index.stores import VectorStore
from rag.ingest.chunking import chunk_document, chunker_id
from rag.ingest.embedding import embed_chunks, embed_sentences
from rag.ingest.sources import SeedFile, scan_seeds

Progress = Callable[[float, str], None]  # progress(fraction 0..1, message)


class Prepared(Protocol):
    """What a runner hands the planner: the seed files (parsed unless indexed as-is), and
    the chunks and vectors of the documents it parsed."""

    files: list[SeedFile]
    skipped: list[tuple[str, str]]

    def chunks(self, doc: Document) -> list[Chunk]: ...

    def embed(self, chunks: list[Chunk], notify: Progress) -> np.ndarray: ...

    def embed_sentences(self, chunks: list[Chunk], notify: Progress) -> SentenceRows: ...


# prepare(seeds_dir, indexed documents, trusted_before_ns) -> Prepared
Prepare = Callable[[Path, dict[str, DocumentEntry], int], Prepared]


class LocalPrepared:
    """This process reads, chunks and embeds (`scan_seeds`, `chunk_document`, the embedder;
    the sentences with `sentence_embedder`, by default the same)."""

    def __init__(self, chunking: ChunkingSettings, embedder, limits: IngestSettings | None = None,
                 sentence_embedder=None):
        self.chunking, self.embedder, self.limits = chunking, embedder, limits
        self.sentence_embedder = sentence_embedder if sentence_embedder is not None else embedder
        self.files: list[SeedFile] = []
        self.skipped: list[tuple[str, str]] = []

    def __call__(self, seeds_dir: Path, indexed: dict[str, DocumentEntry], trusted_before_ns: int) -> "LocalPrepared":
        self.files, self.skipped = scan_seeds(seeds_dir, indexed, trusted_before_ns, self.limits)
        return self

    def chunks(self, doc: Document) -> list[Chunk]:
        return chunk_document(doc, self.chunking)

    def embed(self, chunks: list[Chunk], notify: Progress) -> np.ndarray:
        return embed_chunks(self.embedder, chunks, notify)

    def embed_sentences(self, chunks: list[Chunk], notify: Progress) -> SentenceRows:
        return embed_sentences(self.sentence_embedder, chunks, notify)


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    full_rebuild: bool = False
    reason: str = ""
    embedded_chunks: int = 0
    embedded_sentences: int = 0
    total_chunks: int = 0
    writes: dict[str, int] = field(default_factory=dict)  # rows the store wrote/deleted (Milvus)
    version: str | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, list[str]]:
        """The five-key JSON contract of `rag index --json`."""
        return {k: getattr(self, k) for k in ("added", "changed", "removed", "unchanged", "duplicates")}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def index_config(embedder, backend: str, chunking: ChunkingSettings) -> tuple[EmbedderInfo, ChunkingInfo]:
    """What an index built now with `embedder` and `chunking` records about itself."""
    return (EmbedderInfo(backend, embedder.model_id, int(embedder.dim)),
            ChunkingInfo(chunker_id(), chunking.chunk_size, chunking.chunk_overlap))


def sentence_config(sentence_embedder, backend: str) -> EmbedderInfo:
    """What an index built now records about its sentence vectors."""
    return EmbedderInfo(backend, sentence_embedder.model_id, int(sentence_embedder.dim))


def update_index(
    seeds_dir: Path,
    index_dir: Path,
    chunking: ChunkingSettings,
    embedder,
    embedder_backend: str = "onnx",
    force: bool = False,
    progress: Progress | None = None,
    limits: IngestSettings | None = None,
    index_settings: IndexSettings | None = None,
    store: VectorStore | None = None,
    prepare: Prepare | None = None,
    sentence_embedder=None,
) -> IndexReport:
    """Bring the index in line with `seeds_dir`, embedding only what changed. `store` holds
    the rows (default: the local store in `index_dir`, with `index_settings`); `prepare`
    reads, chunks and embeds (default: this process, with `limits`). Files that cannot be
    indexed are listed in `report.skipped` with why (for the edges to print). The sentences
    of new chunks are embedded by `sentence_embedder` (the question embedder; default
    `embedder`) and stored with them (`rag.index.sentences`).

    Whether anything changed is decided from the live manifest (`store.live_manifest()`: the
    local store checks its files by stat, Milvus its store.json and collection) and the seed
    files' stats alone: with nothing to do, no segment or row is read and the embedder
    encodes nothing (building an embedder loads no model, see rag/models/embedders.py; the
    Ray runner starts Ray only when a file needs reading)."""
    started = time.perf_counter()
    store = store if store is not None else LocalStore(index_dir, index_settings)
    sentence_embedder = sentence_embedder if sentence_embedder is not None else embedder
    prepare = prepare if prepare is not None else LocalPrepared(chunking, embedder, limits, sentence_embedder)
    notify = progress or (lambda f, m: None)
    with store.lock():
        embedder_info, chunking_info = index_config(embedder, embedder_backend, chunking)
        sentence_info = sentence_config(sentence_embedder, embedder_backend)
        reason, manifest = "", None
        try:
            manifest = store.live_manifest()
            reason = "rebuild requested" if force else manifest.incompatibility(embedder_info, chunking_info,
                                                                                sentence_info)
        except IndexMissingError:
            reason = "no index yet"
        except IndexCorruptError as exc:
            reason = f"existing index unusable ({exc}); rebuilding"
        if reason:
            manifest = None
        # Python-object-heavy O(corpus) bookkeeping, see _gc_paused.
        with _gc_paused():
            report, prepared, keep, scan_started_ns = _scan(prepare, seeds_dir, manifest, reason)
            if manifest is not None and not (report.added or report.changed or report.removed):
                report.version = store.current_version()
                report.total_chunks = manifest.n_chunks
                report.seconds = time.perf_counter() - started
                notify(1.0, "index is up to date")
                return report
            live = None
            if manifest is not None:
                try:
                    live = store.live()  # only now are the segments read and checksummed
                except IndexCorruptError as exc:
                    reason = f"existing index unusable ({exc}); rebuilding"
                    report, prepared, keep, scan_started_ns = _scan(prepare, seeds_dir, None, reason)
            update = _plan(live.manifest if live else None, keep, set(report.unchanged), set(report.changed),
                           prepared.chunks, embedder_info, chunking_info)
            update.scan_started_ns = scan_started_ns
            update.sentences = sentence_info
        report.full_rebuild = live is None
        notify(0.05, f"embedding {len(update.to_embed)} new chunks")
        fresh = [update.new_chunks[i] for i in update.to_embed]
        embedded = prepared.embed(fresh, notify)
        report.embedded_chunks = len(update.to_embed)
        sentences = prepared.embed_sentences(fresh, notify)
        report.embedded_sentences = int(sentences.indptr[-1])

        notify(0.9, "writing index")
        report.version, manifest = store.publish(live, update, embedded, sentences)
        report.writes = dict(getattr(store, "last_writes", {}))  # what a remote store reports
        report.total_chunks = manifest.n_chunks
        report.seconds = time.perf_counter() - started
        notify(1.0, "done")
        return report


def _scan(prepare: Prepare, seeds_dir: Path, manifest, reason: str
          ) -> tuple[IndexReport, Prepared, list[SeedFile], int]:
    """Compare the seed files with `manifest` (None: index everything) through `prepare`
    (which reads, and parses, only files whose stat or hash says they changed); returns the
    report so far, the prepared files, the files to keep and when the scan started."""
    report = IndexReport(reason=reason, full_rebuild=manifest is None)
    old_docs: dict[str, DocumentEntry] = manifest.documents if manifest else {}
    scan_started_ns = time.time_ns()
    prepared = prepare(seeds_dir, old_docs, manifest.scan_started_ns if manifest else 0)
    report.skipped = prepared.skipped
    return report, prepared, _classify(prepared.files, old_docs, report), scan_started_ns


def _classify(loaded: list[SeedFile], old_docs: dict[str, DocumentEntry], report: IndexReport) -> list[SeedFile]:
    """Fill the report's added/changed/unchanged/removed/duplicates; returns the files kept."""
    old_by_hash = {meta.content_hash: src for src, meta in old_docs.items()}
    current_sources = {d.source for d in loaded}
    keep: list[SeedFile] = []
    seen_hashes: dict[str, str] = {}
    for doc in loaded:
        original = seen_hashes.get(doc.content_hash)
        indexed_twin = old_by_hash.get(doc.content_hash)
        if original is None and indexed_twin and indexed_twin != doc.source \
                and indexed_twin in current_sources:
            original = indexed_twin  # already indexed under its first name
        if original is not None and original != doc.source:
            report.duplicates.append(doc.source)
            continue
        seen_hashes[doc.content_hash] = doc.source
        keep.append(doc)
    # A twin that appears earlier in sort order than the indexed original must not evict it.
    duplicates = set(report.duplicates)
    keep = [d for d in keep if d.source not in duplicates]
    for doc in keep:
        meta = old_docs.get(doc.source)
        if meta is None:
            report.added.append(doc.source)
        elif meta.content_hash != doc.content_hash:
            report.changed.append(doc.source)
        else:
            report.unchanged.append(doc.source)
    kept_sources = {d.source for d in keep}
    report.removed = sorted(s for s in old_docs if s not in kept_sources)
    return keep


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: scanning 10k files and their manifest entries
    allocates ~100k short-lived objects and no reference cycles, yet each allocation burst
    triggers collections that walk the whole long-lived heap (a UI process holds the loaded
    index); measured at 10k articles, a quarter of a one-article update."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plan(old, keep: list[SeedFile], unchanged: set[str], changed: set[str],
          chunker: Callable[[Document], list[Chunk]], embedder_info: EmbedderInfo, chunking_info: ChunkingInfo) -> IndexUpdate:
    """Decide ids and vector sources; unchanged documents are neither parsed nor chunked."""
    old_docs: dict[str, DocumentEntry] = old.documents if old else {}
    # Vectors we can keep for renamed documents, by content hash.
    reusable: dict[str, tuple[int, int]] = {}  # content hash -> id_range
    for meta in old_docs.values():
        reusable.setdefault(meta.content_hash, meta.id_range)
    plan = IndexUpdate(embedder_info, chunking_info, next_id=old.next_id if old else 0)
    for src in keep:
        if src.source in unchanged:
            meta = old_docs[src.source]
            plan.documents[src.source] = meta if meta.stat == src.stat else replace(meta, stat=src.stat)
            continue
        doc = src.doc
        chunks = chunker(doc)
        old_range = reusable.get(doc.content_hash) if doc.source not in changed else None
        old_ids = range(*old_range) if old_range is not None else None
        if old_ids is not None and len(old_ids) != len(chunks):
            old_ids = None
        first = plan.next_id
        for ordinal, chunk in enumerate(chunks):
            if old_ids is not None:
                plan.reused.append((len(plan.new_chunks), int(old_ids[ordinal])))
            else:
                plan.to_embed.append(len(plan.new_chunks))
            plan.new_ids.append(plan.next_id)
            plan.new_chunks.append(chunk)
            plan.next_id += 1
        plan.documents[doc.source] = DocumentEntry(doc.doc_id, doc.content_hash, doc.title, doc.date,
                                                   (first, plan.next_id), len(doc.text), src.stat,
                                                   doc.date_source, doc.format)
    return plan

"""Building and incrementally updating the index: only new or changed content is embedded.

Documents are compared with the live manifest by content hash. Unchanged documents keep
their chunks and vectors (copied by stable FAISS id); renamed ones reuse their vectors;
identical content under a second name is reported as a duplicate and not indexed twice.
A different embedder or chunking configuration forces a full rebuild, so vectors of two
models are never mixed. The same function serves `rag index` and the UI's rebuild button.

Everything but reading and hashing the seed files costs O(changed): new rows go into one
new segment, unchanged segments are hard-linked into the new version, and removed rows just
leave the manifest (rag/segments.py merges segments now and then, amortised O(log n)).
"""

from __future__ import annotations

import contextlib
import gc
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rag.ingest.chunking import chunk_document, embedding_text
from rag.core.config import ChunkingSettings
from rag.core.errors import IndexCorruptError, IndexMissingError
from rag.index.local.view import SEGMENTS_DIR, live_mask, open_segments, remember_segments, segment_masks
from rag.index.local.segments import SEGMENT_FILES, Segment, apply_merge_policy, new_segment, vectors_by_id, write_segment
from rag.ingest.sources import SeedFile, scan_seeds
from rag.index.local.versions import IndexStore
from rag.core.types import Chunk

# Bump when chunk boundaries or cleaning change: unchanged files are never re-parsed.
CHUNKER_ID = "sentences-v2"  # v2: a chunk that opens by pointing back carries its antecedent
Progress = Callable[[float, str], None]  # progress(fraction 0..1, message)


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
    total_chunks: int = 0
    version: str | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, list[str]]:
        """The five-key JSON contract of `rag index --json`."""
        return {k: getattr(self, k) for k in ("added", "changed", "removed", "unchanged", "duplicates")}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _config_of(embedder, backend: str, chunking: ChunkingSettings) -> dict[str, Any]:
    return {"embedder": {"backend": backend, "model_id": embedder.model_id, "dim": int(embedder.dim)},
            "chunking": {"chunker": CHUNKER_ID, "chunk_size": chunking.chunk_size,
                         "chunk_overlap": chunking.chunk_overlap}}


def _incompatibility(manifest: dict[str, Any], config: dict[str, Any]) -> str:
    if manifest["embedder"]["model_id"] != config["embedder"]["model_id"] or \
            manifest["embedder"]["dim"] != config["embedder"]["dim"]:
        return (f"embedder changed from {manifest['embedder']['model_id']!r} "
                f"to {config['embedder']['model_id']!r}")
    if manifest["chunking"] != config["chunking"]:
        return f"chunking changed from {manifest['chunking']} to {config['chunking']}"
    return ""


@dataclass
class _Live:
    """The live version an update starts from (its segments verified)."""

    version: str
    manifest: dict[str, Any]
    segments: list[Segment]


def update_index(
    seeds_dir: Path,
    index_dir: Path,
    chunking: ChunkingSettings,
    embedder,
    embedder_backend: str = "sentence-transformers",
    force: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Bring `index_dir` in line with `seeds_dir`, embedding only what changed."""
    started = time.perf_counter()
    store = IndexStore(index_dir)
    notify = progress or (lambda f, m: None)
    with store.lock():
        report = IndexReport()
        config = _config_of(embedder, embedder_backend, chunking)

        reuse: _Live | None = None
        try:
            old_dir = store.current_dir()
            old_manifest = store.read_manifest(old_dir)
            report.reason = "rebuild requested" if force else _incompatibility(old_manifest, config)
            if not report.reason:
                reuse = _Live(old_dir.name, old_manifest, open_segments(index_dir, old_dir, old_manifest)[0])
        except IndexMissingError:
            report.reason = "no index yet"
        except IndexCorruptError as exc:
            report.reason = f"existing index unusable ({exc}); rebuilding"
        report.full_rebuild = reuse is None

        old_docs: dict[str, Any] = reuse.manifest["documents"] if reuse else {}
        # Python-object-heavy O(corpus) bookkeeping, see _gc_paused.
        with _gc_paused():
            scan_started_ns = time.time_ns()
            loaded, report.skipped = scan_seeds(seeds_dir, old_docs, int(reuse.manifest.get("scan_started_ns", 0))
                                                if reuse else 0)
            old_by_hash = {meta["content_hash"]: src for src, meta in old_docs.items()}
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
                elif meta["content_hash"] != doc.content_hash:
                    report.changed.append(doc.source)
                else:
                    report.unchanged.append(doc.source)
            kept_sources = {d.source for d in keep}
            report.removed = sorted(s for s in old_docs if s not in kept_sources)

            if reuse is not None and not (report.added or report.changed or report.removed):
                report.version = reuse.version
                report.total_chunks = int(reuse.manifest["n_chunks"])
                report.seconds = time.perf_counter() - started
                notify(1.0, "index is up to date")
                return report

            plan = _plan(reuse.manifest if reuse else None, keep, set(report.unchanged), set(report.changed), chunking)
            plan.scan_started_ns = scan_started_ns
        notify(0.05, f"embedding {len(plan.to_embed)} new chunks")
        embedded = _embed(embedder, [plan.new_chunks[i] for i in plan.to_embed], notify)
        report.embedded_chunks = len(plan.to_embed)

        notify(0.9, "writing index")
        version_dir, manifest, written = _write_version(store, reuse, plan, embedded, config)
        remember_segments(index_dir, version_dir, manifest, written)
        report.version = version_dir.name
        report.total_chunks = manifest["n_chunks"]
        report.seconds = time.perf_counter() - started
        notify(1.0, "done")
        return report


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


def _write_version(store: IndexStore, reuse: _Live | None, plan: "_Plan", embedded: np.ndarray,
                   config: dict[str, Any]) -> tuple[Path, dict[str, Any], list[Segment]]:
    """Publish the next version: old segments linked, the new rows in one new segment, then
    the merge policy. Returns the version directory, its manifest and the segments written."""
    old_segments = reuse.segments if reuse else []
    counter = [int(reuse.manifest["next_segment"]) if reuse else 0]

    def new_name() -> str:
        counter[0] += 1
        return f"seg-{counter[0]:06d}"

    segments = list(old_segments)
    if plan.new_chunks:
        dim = int(config["embedder"]["dim"])
        vectors = np.empty((len(plan.new_chunks), dim), dtype=np.float32)
        vectors[plan.to_embed] = embedded
        if plan.reused:  # renamed documents: their vectors, found by stable id
            vectors[[p for p, _ in plan.reused]] = vectors_by_id(old_segments, [i for _, i in plan.reused], dim)
        segments.append(new_segment(new_name(), plan.new_ids, plan.new_chunks, vectors))
    manifest: dict[str, Any] = {**config, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                "documents": plan.documents, "next_id": plan.next_id,
                                "scan_started_ns": plan.scan_started_ns}
    segments = apply_merge_policy(segments, segment_masks(segments, live_mask(manifest)), new_name)

    tmp = store.new_version_dir()
    known: dict[str, Any] = {}
    written = []
    for segment in segments:
        dest = tmp / SEGMENTS_DIR / segment.name
        if segment.path is not None:  # unchanged, from the live version: share its files
            store.link_files(segment.path, dest, SEGMENT_FILES)
            prefix = f"{SEGMENTS_DIR}/{segment.name}/"
            known.update((rel, meta) for rel, meta in reuse.manifest["files"].items() if rel.startswith(prefix))
        else:
            entries = write_segment(segment, dest)
            written.append(segment)
            known.update((f"{SEGMENTS_DIR}/{segment.name}/{f}", meta) for f, meta in entries.items())
    manifest.update(next_segment=counter[0], segments=[{"name": s.name, "rows": s.rows} for s in segments],
                    n_chunks=sum(meta["id_range"][1] - meta["id_range"][0] for meta in plan.documents.values()))
    name = store.publish(tmp, manifest, known=known)
    return store.versions / name, store.last_published, written


@dataclass
class _Plan:
    """The documents of the next version, and the rows of its new segment."""

    new_chunks: list[Chunk] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)
    to_embed: list[int] = field(default_factory=list)  # positions in new_chunks
    reused: list[tuple[int, int]] = field(default_factory=list)  # (position, old id): renames
    documents: dict[str, Any] = field(default_factory=dict)
    next_id: int = 0
    scan_started_ns: int = 0  # when the stats in `documents` were taken (rag/sources.py)


def _plan(old: dict[str, Any] | None, keep: list[SeedFile], unchanged: set[str], changed: set[str],
          chunking: ChunkingSettings) -> _Plan:
    """Decide ids and vector sources; unchanged documents are neither parsed nor chunked."""
    old_docs: dict[str, Any] = old["documents"] if old else {}
    # Vectors we can keep for renamed documents, by content hash.
    reusable: dict[str, list[int]] = {}  # content hash -> id_range
    for meta in old_docs.values():
        reusable.setdefault(meta["content_hash"], meta["id_range"])
    plan = _Plan(next_id=int(old["next_id"]) if old else 0)
    for src in keep:
        if src.source in unchanged:
            meta = old_docs[src.source]
            plan.documents[src.source] = meta if meta.get("stat") == src.stat else {**meta, "stat": src.stat}
            continue
        doc = src.doc
        chunks = chunk_document(doc, chunking)
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
        plan.documents[doc.source] = {
            "doc_id": doc.doc_id, "content_hash": doc.content_hash, "title": doc.title,
            "date": doc.date, "id_range": [first, plan.next_id], "chars": len(doc.text), "stat": src.stat,
        }
    return plan


def _embed(embedder, chunks: list[Chunk], notify: Progress, batch: int = 256) -> np.ndarray:
    """Embed in slices so the UI/CLI progress moves; tqdm shows the bar in a terminal."""
    from tqdm.auto import tqdm

    if not chunks:
        return np.zeros((0, int(embedder.dim)), dtype=np.float32)
    texts = [embedding_text(c) for c in chunks]
    parts = []
    with tqdm(total=len(texts), desc="Embedding", unit="chunk", disable=len(texts) < 64) as bar:
        for start in range(0, len(texts), batch):
            parts.append(embedder.encode_documents(texts[start:start + batch]))
            bar.update(len(parts[-1]))
            notify(0.05 + 0.85 * (start + len(parts[-1])) / len(texts), "embedding")
    return np.vstack(parts).astype(np.float32)

"""Building and incrementally updating the index: only new or changed content is embedded.

Documents are compared with the live manifest by content hash. Unchanged documents keep
their chunks and vectors (copied by stable FAISS id); renamed ones reuse their vectors;
identical content under a second name is reported as a duplicate and not indexed twice.
A different embedder or chunking configuration forces a full rebuild, so vectors of two
models are never mixed. The same function serves `rag index` and the UI's rebuild button.

Parsing, chunking, embedding and tokenising cost O(changed): unchanged files are only read
and hashed; their chunks, vectors, JSONL lines and BM25 counts are copied (kept rows first,
then new rows). Writing the complete, checksummed version is still O(corpus) in bytes.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rag.chunking import chunk_document, embedding_text
from rag.config import ChunkingSettings
from rag.documents import SUPPORTED_SUFFIXES, content_hash, parse_document
from rag.errors import IndexCorruptError, IndexMissingError
from rag.index import SearchIndex, load_index, remember, write_version
from rag.store import IndexStore
from rag.types import Chunk, Document

log = logging.getLogger("rag.documents")  # the same logger load_documents warns through

# Bump when chunk boundaries or cleaning change: unchanged files are never re-parsed.
CHUNKER_ID = "sentences-v1"
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


def _incompatibility(old: SearchIndex, config: dict[str, Any]) -> str:
    if old.manifest["embedder"]["model_id"] != config["embedder"]["model_id"] or \
            old.manifest["embedder"]["dim"] != config["embedder"]["dim"]:
        return (f"embedder changed from {old.manifest['embedder']['model_id']!r} "
                f"to {config['embedder']['model_id']!r}")
    if old.manifest["chunking"] != config["chunking"]:
        return f"chunking changed from {old.manifest['chunking']} to {config['chunking']}"
    return ""


@dataclass
class _Source:
    """One seed file: its content hash, and the parsed document unless it is indexed as-is."""

    source: str
    content_hash: str
    doc: Document | None


def _walk(seeds_dir: Path) -> list[tuple[str, str]]:
    """(relative source, path) of the files `documents.list_sources` lists, in its order,
    via os.scandir: pathlib's rglob/is_file/relative_to cost ~80 us a file, 0.8 s at 10k."""
    out: list[tuple[tuple[str, ...], str, str]] = []
    stack = [("", os.fspath(seeds_dir))]
    while stack:
        prefix, directory = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):  # rglob does not descend symlinks
                    stack.append((prefix + entry.name + "/", entry.path))
                elif not entry.name.startswith(".") and \
                        os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES and entry.is_file():
                    rel = prefix + entry.name
                    out.append((tuple(rel.split("/")), rel, entry.path))
    out.sort()  # by path parts, as sorted(Path) does
    return [(rel, path) for _, rel, path in out]


def _scan(seeds_dir: Path, indexed: dict[str, Any]) -> tuple[list[_Source], list[tuple[str, str]]]:
    """Hash every seed file; parse (ftfy, cleaning) only those not indexed under this name
    with this content. Parsing is deterministic, so an indexed file would parse the same,
    and parsing ten thousand unchanged files would dominate a one-article update."""
    sources, skipped = [], []
    for source, path in _walk(seeds_dir):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            skipped.append((source, f"unreadable: {exc.strerror or exc}"))
            continue
        if not data.strip():
            skipped.append((source, "empty file"))
            continue
        digest = content_hash(data)
        if indexed.get(source, {}).get("content_hash") == digest:
            sources.append(_Source(source, digest, None))
            continue
        doc = parse_document(source, data)
        if doc is None:
            skipped.append((source, "binary or undecodable content"))
            continue
        sources.append(_Source(source, digest, doc))
    for source, reason in skipped:
        log.warning("Skipped %s: %s", source, reason)
    return sources, skipped


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

        old: SearchIndex | None = None
        try:
            old = load_index(index_dir)
        except IndexMissingError:
            report.reason = "no index yet"
        except IndexCorruptError as exc:
            report.reason = f"existing index unusable ({exc}); rebuilding"
        if old is not None and not force:
            report.reason = _incompatibility(old, config)
        elif old is not None:
            report.reason = "rebuild requested"
        reuse = old if (old is not None and not force and not report.reason) else None
        report.full_rebuild = reuse is None

        old_docs: dict[str, Any] = reuse.manifest["documents"] if reuse else {}
        loaded, report.skipped = _scan(seeds_dir, old_docs)
        old_by_hash = {meta["content_hash"]: src for src, meta in old_docs.items()}
        current_sources = {d.source for d in loaded}

        keep: list[_Source] = []
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
            report.total_chunks = len(reuse.chunks)
            report.seconds = time.perf_counter() - started
            notify(1.0, "index is up to date")
            return report

        plan = _plan(reuse, keep, set(report.unchanged), set(report.changed), chunking)
        notify(0.05, f"embedding {len(plan.to_embed)} new chunks")
        new_vectors = _embed(embedder, [plan.new_chunks[i] for i in plan.to_embed], notify)
        report.embedded_chunks = len(plan.to_embed)

        notify(0.9, "writing index")
        tmp = store.new_version_dir()
        index, files = write_version(tmp, reuse, plan, new_vectors, int(embedder.dim))
        index.manifest = {
            **config,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "documents": plan.documents,
            "next_id": plan.next_id,
            "n_chunks": len(index.chunks),
        }
        index.version = store.publish(tmp, index.manifest, known=files)
        index.manifest = store.last_published
        remember(index_dir, index)  # the next update starts from these bytes, no re-verify
        report.version = index.version
        report.total_chunks = len(index.chunks)
        report.seconds = time.perf_counter() - started
        notify(1.0, "done")
        return report


@dataclass
class _Plan:
    """Rows of the new version: the kept old rows (in their order), then `new_chunks`."""

    keep_rows: np.ndarray  # bool per old row: chunks of unchanged documents
    new_chunks: list[Chunk] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)
    to_embed: list[int] = field(default_factory=list)  # positions in new_chunks
    reused: list[tuple[int, int]] = field(default_factory=list)  # (position, old id): renames
    documents: dict[str, Any] = field(default_factory=dict)
    next_id: int = 0


def _plan(reuse: SearchIndex | None, keep: list[_Source], unchanged: set[str], changed: set[str],
          chunking: ChunkingSettings) -> _Plan:
    """Decide ids and vector sources; unchanged documents are neither parsed nor chunked."""
    old_docs: dict[str, Any] = reuse.manifest["documents"] if reuse else {}
    # Vectors we can keep: unchanged docs by source, renamed docs by content hash.
    reusable: dict[str, list[int]] = {}
    for meta in old_docs.values():
        reusable.setdefault(meta["content_hash"], meta["ids"])
    plan = _Plan(np.zeros(0, dtype=bool), next_id=int(reuse.manifest["next_id"]) if reuse else 0)
    kept_ids: list[int] = []
    for src in keep:
        if src.source in unchanged:
            plan.documents[src.source] = old_docs[src.source]
            kept_ids.extend(old_docs[src.source]["ids"])
            continue
        doc = src.doc
        chunks = chunk_document(doc, chunking)
        old_ids = reusable.get(doc.content_hash) if doc.source not in changed else None
        if old_ids is not None and len(old_ids) != len(chunks):
            old_ids = None
        ids = []
        for ordinal, chunk in enumerate(chunks):
            if old_ids is not None:
                plan.reused.append((len(plan.new_chunks), int(old_ids[ordinal])))
            else:
                plan.to_embed.append(len(plan.new_chunks))
            ids.append(plan.next_id)
            plan.new_ids.append(plan.next_id)
            plan.new_chunks.append(chunk)
            plan.next_id += 1
        plan.documents[doc.source] = {
            "doc_id": doc.doc_id, "content_hash": doc.content_hash, "title": doc.title,
            "date": doc.date, "ids": ids, "chars": len(doc.text),
        }
    if reuse is not None:
        plan.keep_rows = np.isin(reuse.ids, np.asarray(kept_ids, dtype=np.int64))
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

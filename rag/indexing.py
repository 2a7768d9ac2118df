"""Building and incrementally updating the index: only new or changed content is embedded.

Documents are compared with the live manifest by content hash. Unchanged documents keep
their chunks and vectors (copied by stable FAISS id); renamed ones reuse their vectors;
identical content under a second name is reported as a duplicate and not indexed twice.
A different embedder or chunking configuration forces a full rebuild, so vectors of two
models are never mixed. The same function serves `rag index` and the UI's rebuild button.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rag.chunking import chunk_document, embedding_text
from rag.config import ChunkingSettings
from rag.documents import load_documents
from rag.errors import IndexCorruptError, IndexMissingError
from rag.index import BM25_DIR, CHUNKS, VECTORS, SearchIndex, load_index
from rag.lexical import LexicalIndex
from rag.store import IndexStore
from rag.types import Chunk, Document, chunk_to_dict

CHUNKER_ID = "sentences-v1"  # bump when chunk boundaries change for the same settings

# progress(fraction 0..1, message)
Progress = Callable[[float, str], None]


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
    return {
        "embedder": {"backend": backend, "model_id": embedder.model_id, "dim": int(embedder.dim)},
        "chunking": {"chunker": CHUNKER_ID, "chunk_size": chunking.chunk_size,
                     "chunk_overlap": chunking.chunk_overlap},
    }


def _incompatibility(old: SearchIndex, config: dict[str, Any]) -> str:
    if old.manifest["embedder"]["model_id"] != config["embedder"]["model_id"] or \
            old.manifest["embedder"]["dim"] != config["embedder"]["dim"]:
        return (f"embedder changed from {old.manifest['embedder']['model_id']!r} "
                f"to {config['embedder']['model_id']!r}")
    if old.manifest["chunking"] != config["chunking"]:
        return f"chunking changed from {old.manifest['chunking']} to {config['chunking']}"
    return ""


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
    import faiss

    started = time.perf_counter()
    store = IndexStore(index_dir)
    notify = progress or (lambda f, m: None)
    with store.lock():
        loaded = load_documents(seeds_dir)
        report = IndexReport(skipped=loaded.skipped)
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
        old_by_hash = {meta["content_hash"]: src for src, meta in old_docs.items()}
        current_sources = {d.source for d in loaded.documents}

        keep: list[Document] = []
        seen_hashes: dict[str, str] = {}
        for doc in loaded.documents:
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
        keep = [d for d in keep if d.source not in report.duplicates]

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

        # Vectors we can keep: unchanged docs by source, renamed docs by content hash.
        reusable: dict[str, list[int]] = {}
        if reuse is not None:
            for src, meta in old_docs.items():
                reusable.setdefault(meta["content_hash"], meta["ids"])
        next_id = int(reuse.manifest["next_id"]) if reuse else 0

        records: list[tuple[int, Chunk]] = []
        to_embed: list[tuple[int, Chunk]] = []
        reused_ids: list[tuple[int, int]] = []  # (new id, old id)
        documents_meta: dict[str, Any] = {}
        for doc in keep:
            chunks = chunk_document(doc, chunking)
            old_ids = reusable.get(doc.content_hash) if doc.source not in report.changed else None
            ids = []
            for ordinal, chunk in enumerate(chunks):
                if old_ids is not None and len(old_ids) == len(chunks):
                    new_id = old_ids[ordinal] if doc.source in report.unchanged else next_id
                    reused_ids.append((new_id, old_ids[ordinal]))
                else:
                    new_id = next_id
                    to_embed.append((new_id, chunk))
                if new_id == next_id:
                    next_id += 1
                ids.append(new_id)
                records.append((new_id, chunk))
            documents_meta[doc.source] = {
                "doc_id": doc.doc_id, "content_hash": doc.content_hash, "title": doc.title,
                "date": doc.date, "ids": ids, "chars": len(doc.text),
            }

        notify(0.05, f"embedding {len(to_embed)} new chunks")
        new_vectors = _embed(embedder, [c for _, c in to_embed], notify)
        report.embedded_chunks = len(to_embed)

        dim = int(embedder.dim)
        vectors = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        if reused_ids:
            old_vecs = np.vstack([reuse.vectors.reconstruct(int(o)) for _, o in reused_ids])
            vectors.add_with_ids(old_vecs, np.asarray([n for n, _ in reused_ids], dtype=np.int64))
        if to_embed:
            vectors.add_with_ids(new_vectors, np.asarray([i for i, _ in to_embed], dtype=np.int64))

        notify(0.9, "writing index")
        tmp = store.new_version_dir()
        faiss.write_index(vectors, str(tmp / VECTORS))
        with open(tmp / CHUNKS, "w", encoding="utf-8") as fh:
            for new_id, chunk in records:
                fh.write(json.dumps({"id": new_id, **chunk_to_dict(chunk)}, ensure_ascii=False) + "\n")
        LexicalIndex.build([c.text for _, c in records]).save(tmp / BM25_DIR)
        manifest = {
            **config,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "documents": documents_meta,
            "next_id": next_id,
            "n_chunks": len(records),
        }
        report.version = store.publish(tmp, manifest)
        report.total_chunks = len(records)
        report.seconds = time.perf_counter() - started
        notify(1.0, "done")
        return report


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

"""Ingestion on Ray Data: read → clean → chunk → embed as `map_batches` stages.

    files needing a read ─ read_clean (tasks) ─ chunk_rows (tasks) ─ EmbedActor (actor pool)

The driver scans the seeds as the single-process path does (`scan_seeds`: a file whose stat
says it is indexed as it is is not read; import specs are expanded into rows there) and
hands the files that need reading to the pipeline as its `reader`: Ray tasks read, hash,
clean and chunk them, and a pool of actors that each load the installed embedder once
(never a download: the hub is switched offline in the actors) embeds the chunks, and their
sentences with the question embedder (`rag.index.sentences`). Rows of
imported CSV/JSONL files, parsed by the driver, go through chunk and embed the same way. The
driver hands documents, chunks and vectors to the same planner as the single-process path,
so the chunk ids, the plan and the published index are the same; vectors differ only by
float rounding of batched inference (tested within 1e-5).

On a cluster every node must see `paths.seeds_dir` and `paths.models_dir` at the same path
(a shared file system), and the driver holds the new vectors until it writes them to the
store: at 384 floats a chunk, 1M new chunks take 1.5 GB there.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.config import ChunkingSettings, EmbeddingSettings, IngestSettings, Settings
from rag.core.types import Chunk, Document
from rag.index.manifest import DocumentEntry
from rag.index.sentences import SentenceRows
from rag.ingest.chunking import chunk_document, embedding_text
from rag.ingest.embedding import embed_sentences
from rag.ingest.ray_runtime import ray_session
from rag.ingest.sources import ReadJob, SeedFile, read_seed, scan_seeds

COLUMNS = ["source", "kind", "hash", "stat", "payload", "text"]


def read_clean(batch, ingest: dict[str, Any]):
    """Stage 1 (tasks): read, hash and clean each file (`read_seed`); one row per file. A row
    that carries a parsed document (an imported row) passes as it is."""
    import pandas as pd

    limits = IngestSettings(**ingest)
    rows = []
    for source, path, indexed, parsed in zip(batch["source"], batch["path"], batch["indexed_hash"], batch["doc"]):
        if parsed:
            rows.append([source, "parsed", "", "", parsed, ""])
            continue
        result = read_seed(ReadJob(source, path, indexed), limits)
        if isinstance(result, tuple):
            rows.append([source, "skip", "", "", result[1], ""])
        else:
            kind, payload = ("doc", json.dumps(asdict(result.doc), ensure_ascii=False)) if result.doc else ("same", "")
            rows.append([source, kind, result.content_hash, json.dumps(result.stat), payload, ""])
    return pd.DataFrame(rows, columns=COLUMNS)


def chunk_rows(batch, chunking: dict[str, Any]):
    """Stage 2 (tasks): each parsed document's chunks, one row each, after its file's row."""
    import pandas as pd

    settings = ChunkingSettings(**chunking)
    rows = []
    for row in batch[COLUMNS].itertuples(index=False):
        rows.append(list(row))
        if row.kind in ("doc", "parsed"):
            for chunk in chunk_document(_document(row.payload), settings):
                rows.append([row.source, "chunk", "", "", json.dumps(asdict(chunk), ensure_ascii=False),
                             embedding_text(chunk)])
    return pd.DataFrame(rows, columns=COLUMNS)


class EmbedActor:
    """Stage 3 (actor pool): holds the embedders, loaded from the installed model: the
    index's for chunks, the question embedder (fp32) for their sentences."""

    def __init__(self, embedding: dict[str, Any], models_dir: str):
        # The model is installed (rag models install e5); never fetch one from a hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from rag.models.embedders import build_embedder

        settings = EmbeddingSettings(**embedding)
        self.embedder = build_embedder(settings, Path(models_dir))
        questions = build_embedder(settings.model_copy(update={"precision": "fp32"}), Path(models_dir))
        self.sentence_embedder = self.embedder if questions.model_id == self.embedder.model_id else questions

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        is_chunk = batch["kind"] == "chunk"
        vectors = np.zeros((len(is_chunk), int(self.embedder.dim)), dtype=np.float32)
        spans = np.full(len(is_chunk), b"", dtype=object)
        sentence_vectors = np.full(len(is_chunk), b"", dtype=object)
        if is_chunk.any():
            vectors[is_chunk] = self.embedder.encode_documents([str(t) for t in batch["text"][is_chunk]])
            rows = embed_sentences(self.sentence_embedder, [_chunk(str(p)) for p in batch["payload"][is_chunk]])
            for n, i in enumerate(np.flatnonzero(is_chunk)):
                a, b = int(rows.indptr[n]), int(rows.indptr[n + 1])
                spans[i], sentence_vectors[i] = rows.spans[a:b].tobytes(), rows.vectors[a:b].tobytes()
        return {**batch, "vector": vectors, "sentence_spans": spans, "sentence_vectors": sentence_vectors}


class RayPrepare:
    """The `ray` runner (`rag.ingest.runners`): a `Prepared` built by a Ray Data pipeline."""

    def __init__(self, settings: Settings, dim: int):
        self.settings, self.dim = settings, dim
        self.files: list[SeedFile] = []
        self.skipped: list[tuple[str, str]] = []
        self._chunks: dict[str, list[Chunk]] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._sentences: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # chunk id -> (spans, vectors)

    def __call__(self, seeds_dir: Path, indexed: dict[str, DocumentEntry], trusted_before_ns: int) -> "RayPrepare":
        self._chunks, self._vectors, self._sentences = {}, {}, {}  # an update may scan twice
        with contextlib.ExitStack() as stack:
            self._stack, self._ray = stack, None  # Ray starts on first use: an unchanged corpus needs none
            self.files, self.skipped = scan_seeds(seeds_dir, indexed, trusted_before_ns, self.settings.ingest,
                                                  reader=self._read)
            parsed = [f.doc for f in self.files if f.doc is not None and f.source not in self._chunks]
            if parsed:  # imported rows: parsed by the scan, chunked and embedded on Ray
                self._run([{"source": d.source, "path": "", "indexed_hash": "",
                            "doc": json.dumps(asdict(d), ensure_ascii=False)} for d in parsed])
        return self

    def _read(self, jobs: list[ReadJob]) -> list[SeedFile | tuple[str, str]]:
        out = self._run([{"source": j.source, "path": os.path.abspath(j.path), "indexed_hash": j.indexed_hash,
                          "doc": ""} for j in jobs])
        return [out[j.source] for j in jobs]

    def _run(self, inputs: list[dict[str, str]]) -> dict[str, SeedFile | tuple[str, str]]:
        s = self.settings
        embedding = s.embedding.model_dump()
        embedding["threads"] = max(1, int(s.ray.cpus_per_worker))
        model = Path(s.embedding.model).expanduser()
        if model.is_dir():  # a relative model directory must resolve on the workers too
            embedding["model"] = str(model.resolve())
        if self._ray is None:
            self._ray = self._stack.enter_context(ray_session(s.ray))
        ray = self._ray
        ds = (ray.data.from_items(inputs)
              .map_batches(read_clean, batch_format="pandas", batch_size=s.ray.read_batch,
                           fn_kwargs={"ingest": s.ingest.model_dump()})
              .map_batches(chunk_rows, batch_format="pandas", batch_size=s.ray.read_batch,
                           fn_kwargs={"chunking": s.chunking.model_dump()})
              .map_batches(EmbedActor, batch_format="numpy", batch_size=s.ray.embed_batch,
                           compute=ray.data.ActorPoolStrategy(size=s.ray.workers),
                           num_cpus=s.ray.cpus_per_worker,
                           fn_constructor_kwargs={"embedding": embedding,
                                                  "models_dir": str(Path(s.paths.models_dir).resolve())}))
        out: dict[str, SeedFile | tuple[str, str]] = {}
        for row in ds.iter_rows():
            self._collect(row, out)
        for chunks in self._chunks.values():  # rows came in any order
            chunks.sort(key=lambda c: int(c.chunk_id.rpartition(":")[2]))
        return out

    def _collect(self, row: dict[str, Any], out: dict[str, SeedFile | tuple[str, str]]) -> None:
        source, kind = str(row["source"]), str(row["kind"])
        if kind == "skip":
            out[source] = (source, str(row["payload"]))
        elif kind == "chunk":
            chunk = _chunk(str(row["payload"]))
            self._chunks.setdefault(source, []).append(chunk)
            self._vectors[chunk.chunk_id] = np.asarray(row["vector"], dtype=np.float32)
            vectors = np.frombuffer(row["sentence_vectors"], dtype=np.float32)
            self._sentences[chunk.chunk_id] = (np.frombuffer(row["sentence_spans"], dtype=np.int32).reshape(-1, 2),
                                               vectors.reshape(-1, len(self._vectors[chunk.chunk_id])))
        elif kind == "parsed":
            self._chunks.setdefault(source, [])
        else:
            doc = _document(str(row["payload"])) if kind == "doc" else None
            stat = tuple(json.loads(str(row["stat"])))
            out[source] = SeedFile(source, str(row["hash"]), doc, stat)
            self._chunks.setdefault(source, [])

    def chunks(self, doc: Document) -> list[Chunk]:
        return list(self._chunks[doc.source])

    def embed(self, chunks: list[Chunk], notify) -> np.ndarray:
        if not chunks:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[c.chunk_id] for c in chunks]).astype(np.float32)

    def embed_sentences(self, chunks: list[Chunk], notify) -> SentenceRows:
        """The sentences the actors embedded with the chunks."""
        parts = [self._sentences[c.chunk_id] for c in chunks]
        return SentenceRows.of_lists([[tuple(p) for p in spans] for spans, _ in parts],
                                     np.concatenate([v for _, v in parts]) if parts else np.zeros((0, self.dim)))


def _document(payload: str) -> Document:
    data = json.loads(payload)
    data["pages"] = tuple(data.get("pages", ()))
    return Document(**data)


def _chunk(payload: str) -> Chunk:
    return Chunk(**json.loads(payload))

"""The collection's schema and the mapping between chunks and Milvus rows.

One row per chunk, keyed by its stable chunk id (the manifest's `id_range`s):

    id         INT64 primary key
    vector     FLOAT_VECTOR(dim), COSINE (the embeddings are L2-normalised)
    text       VARCHAR, the chunk text as cited (offsets point into the cleaned document)
    text_stem  VARCHAR, the chunk's German search terms (`rag.text.terms.tokenize`: stopwords
               removed, Snowball-stemmed), space-separated, analysed by the `standard`
               tokenizer; a BM25 function turns it into `sparse`
    sparse     SPARSE_FLOAT_VECTOR, BM25 (k1, b as the local store's)
    doc_id, source, date   VARCHAR, filterable ("" = undated)
    meta       JSON: the chunk's other fields (chunk_id, title, start, end, page, ...)
    sentences  INT32: how many sentence rows the chunk has in `<collection>_sentences`

and one row per sentence of a chunk in `<collection>_sentences` (`rag.index.sentences`),
fetched by primary key for the hits only, never searched:

    id         INT64 primary key: chunk id x SENTENCE_SLOTS + the sentence's ordinal
    vector     FLOAT_VECTOR(dim), the question embedder's (Milvus needs an index to load it)
    start, end INT32, the sentence's offsets into the chunk text

German stemming happens here, client-side: Milvus Lite accepts a `stemmer` filter but
ignores it ("Partnerschaft" does not find "Partnerschaften"), and has no `run_analyzer`.
Pre-stemmed terms also make BM25 score exactly the terms the local store scores.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Sequence

import numpy as np

from rag.core.config import StoreSettings
from rag.core.types import Chunk
from rag.index.local.lexical import B, K1
from rag.index.sentences import SentenceRows
from rag.text.terms import tokenize

COLUMNS = ("doc_id", "source", "date", "text")  # chunk fields with a column of their own
CHUNK_FIELDS = ["id", "text", "doc_id", "source", "date", "meta", "sentences"]  # for the final hits only
SCORE_FIELDS = ["id", "vector", "text_stem"]  # what fusion needs of each candidate
SENTENCE_FIELDS = ["id", "vector", "start", "end"]
MAX_TEXT = 65535  # VARCHAR limit (bytes); chunks are at most 4,000 characters
MAX_NAME = 4096
# Sentence rows per chunk id: a chunk holds at most 4,000 characters (ChunkingSettings), so at
# most 4,000 sentences; ids stay below 2**63 up to chunk id 2**51.
SENTENCE_SLOTS = 4096


def sentence_collection(name: str) -> str:
    return f"{name}_sentences"


def sentence_ids(chunk_id: int, count: int) -> list[int]:
    return [chunk_id * SENTENCE_SLOTS + i for i in range(count)]


def stems(text: str) -> str:
    """The text's BM25 terms as the engine stores and queries them."""
    return " ".join(tokenize(text))


def create_collection(client, name: str, dim: int, settings: StoreSettings, lite: bool) -> None:
    """A fresh collection for `dim`-dimensional vectors, indexed and loaded."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT)
    schema.add_field("text_stem", DataType.VARCHAR, max_length=MAX_TEXT, enable_analyzer=True,
                     enable_match=True, analyzer_params={"tokenizer": "standard"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=MAX_NAME)
    schema.add_field("source", DataType.VARCHAR, max_length=MAX_NAME)
    schema.add_field("date", DataType.VARCHAR, max_length=32)
    schema.add_field("meta", DataType.JSON)
    schema.add_field("sentences", DataType.INT32)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text_stem"], output_field_names=["sparse"]))
    index = client.prepare_index_params()
    # pymilvus sends build parameters as flat key-value pairs, which servers read; Milvus
    # Lite reads only a nested "params" JSON and silently builds with its defaults otherwise
    # (BM25 with k1 = 1.5, not the local store's 1.2).
    def wire(params: dict[str, Any]) -> dict[str, Any]:
        return {"params": params} if lite and params else params

    index.add_index(field_name="vector", index_type=settings.index_type, metric_type="COSINE",
                    params=wire(_build_params(settings)))
    index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params=wire({"bm25_k1": K1, "bm25_b": B}))
    # Strong: the next question sees an update's rows as soon as it is published.
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")

    sentences = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    sentences.add_field("id", DataType.INT64, is_primary=True)
    sentences.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    sentences.add_field("start", DataType.INT32)
    sentences.add_field("end", DataType.INT32)
    index = client.prepare_index_params()
    # Read by primary key only; FLAT builds nothing (Milvus needs some index to load a field).
    index.add_index(field_name="vector", index_type="FLAT", metric_type="COSINE", params={})
    client.create_collection(sentence_collection(name), schema=sentences, index_params=index,
                             consistency_level="Strong")


def _build_params(settings: StoreSettings) -> dict[str, Any]:
    if settings.index_type == "HNSW":
        return {"M": settings.hnsw_m, "efConstruction": settings.hnsw_ef_construction}
    if settings.index_type == "IVF_FLAT":
        return {"nlist": settings.ivf_nlist}
    return {}


def search_params(settings: StoreSettings) -> dict[str, Any]:
    if settings.index_type == "HNSW":
        return {"metric_type": "COSINE", "params": {"ef": settings.hnsw_ef}}
    if settings.index_type == "IVF_FLAT":
        return {"metric_type": "COSINE", "params": {"nprobe": settings.ivf_nprobe}}
    return {"metric_type": "COSINE", "params": {}}


def to_rows(ids: Sequence[int], chunks: Sequence[Chunk], vectors: np.ndarray,
            sentences: SentenceRows) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Milvus rows of chunks with their stable ids and vectors, and of their sentences."""
    rows, sentence_rows = [], []
    for n, (chunk_id, chunk, vector) in enumerate(zip(ids, chunks, np.asarray(vectors, dtype=np.float32))):
        a, b = int(sentences.indptr[n]), int(sentences.indptr[n + 1])
        rows.append({
            "id": int(chunk_id), "vector": vector, "text": chunk.text, "text_stem": stems(chunk.text),
            "doc_id": chunk.doc_id, "source": chunk.source, "date": chunk.date or "",
            "meta": {f.name: getattr(chunk, f.name) for f in fields(Chunk) if f.name not in COLUMNS},
            "sentences": b - a,
        })
        for pk, (start, end), vec in zip(sentence_ids(int(chunk_id), b - a), sentences.spans[a:b],
                                         np.asarray(sentences.vectors[a:b], dtype=np.float32)):
            sentence_rows.append({"id": pk, "vector": vec, "start": int(start), "end": int(end)})
    return rows, sentence_rows


def chunk_of(entity: dict[str, Any]) -> Chunk:
    """The Chunk a row holds (an entity with CHUNK_FIELDS)."""
    meta = dict(entity["meta"])
    return Chunk(text=entity["text"], doc_id=entity["doc_id"], source=entity["source"],
                 date=entity["date"] or None, **meta)


def sentence_rows_of(counts: Sequence[int], entities: dict[int, dict[str, Any]], chunk_ids: Sequence[int],
                     dim: int) -> SentenceRows:
    """The SentenceRows of `chunk_ids` (with `counts` sentences each) from sentence-row
    entities by primary key; KeyError names a missing row."""
    spans, vectors = [], []
    for chunk_id, count in zip(chunk_ids, counts):
        mine = [entities[pk] for pk in sentence_ids(int(chunk_id), int(count))]
        spans.append([(int(e["start"]), int(e["end"])) for e in mine])
        vectors.extend(e["vector"] for e in mine)
    return SentenceRows.of_lists(spans, np.asarray(vectors, dtype=np.float32).reshape(-1, dim))

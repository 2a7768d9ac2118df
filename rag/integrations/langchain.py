"""`RagRetriever`: the index as a LangChain retriever.

    from rag.integrations.langchain import RagRetriever

    docs = RagRetriever().invoke("Welchen Anteil an OpenAI soll Microsoft erhalten haben?")
    docs = RagRetriever(k=3, mode="dense").invoke("...")        # or invoke(query, k=3)

`RagRetriever()` reads the settings as `rag` does (`RAG_*`, defaults: the index in `index/`,
the default embedder). Each `Document` is a retrieved chunk; its metadata says where the text
stands: source, title, date, page, start and end (character offsets into the cleaned
document text), score, and more (chunk_id, rank, url, date_source).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from rag.assistant import Assistant
from rag.core.config import Settings, load_settings
from rag.core.types import Hit


def to_document(hit: Hit) -> Document:
    """A retrieved chunk as a LangChain `Document`."""
    c = hit.chunk
    return Document(page_content=c.text, id=c.chunk_id, metadata={
        "source": c.source, "title": c.title, "date": c.date, "page": c.page, "start": c.start,
        "end": c.end, "score": float(hit.score), "rank": hit.rank, "chunk_id": c.chunk_id,
        "url": c.url, "date_source": c.date_source,
    })


class RagRetriever(BaseRetriever):
    """Hybrid (dense + BM25) retrieval over the rag index, as a LangChain `BaseRetriever`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings | None = Field(None, description="None: load_settings() (RAG_* and defaults).")
    k: int | None = Field(None, ge=1, le=50, description="Documents per query; None: settings.retrieval.k.")
    mode: Literal["dense", "bm25", "hybrid"] | None = None

    _assistant: Assistant | None = PrivateAttr(None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def from_assistant(cls, assistant: Assistant, **kwargs: Any) -> "RagRetriever":
        """A retriever sharing an Assistant's loaded embedder and index (an app that also asks)."""
        retriever = cls(settings=assistant.settings, **kwargs)
        retriever._assistant = assistant
        return retriever

    @property
    def assistant(self) -> Assistant:
        with self._lock:  # one Assistant (one embedder in memory) per retriever
            if self._assistant is None:
                self._assistant = Assistant.from_settings(self.settings or load_settings())
            return self._assistant

    def _search(self, query: str, k: int | None) -> list[Document]:
        hits = self.assistant.search(query, k=k or self.k, mode=self.mode)
        return [to_document(h) for h in hits]

    # `k` in the signature is what makes BaseRetriever pass invoke(query, k=...) through.
    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        return self._search(query, k)

    async def _aget_relevant_documents(self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun,
                                       k: int | None = None) -> list[Document]:
        # Embedding and search are CPU work: off the event loop.
        return await asyncio.to_thread(self._search, query, k)

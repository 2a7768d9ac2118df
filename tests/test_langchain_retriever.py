"""`RagRetriever` passes langchain-tests' standard retriever tests, built the way a user builds
it: `RagRetriever()` with the settings from the environment (here: a hashing-embedder index
of the seeds)."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from rag.integrations.langchain import RagRetriever

QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
METADATA = {"source", "title", "date", "page", "start", "end", "score", "rank", "chunk_id", "url", "date_source"}


@pytest.fixture(scope="module")
def indexed(seeds_index):
    return seeds_index()


@pytest.fixture(autouse=True)
def default_settings_read_that_index(indexed, monkeypatch):
    paths = indexed.settings.paths
    monkeypatch.setenv("RAG_PATHS__INDEX_DIR", str(paths.index_dir))
    monkeypatch.setenv("RAG_PATHS__SEEDS_DIR", str(paths.seeds_dir))
    monkeypatch.setenv("RAG_PATHS__MODELS_DIR", str(paths.models_dir))
    monkeypatch.setenv("RAG_EMBEDDING__BACKEND", "hashing")
    monkeypatch.setenv("RAG_EMBEDDING__DIM", "256")


class TestRagRetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[RagRetriever]:
        return RagRetriever

    @property
    def retriever_query_example(self) -> str:
        return QUESTION


def test_documents_say_where_their_text_stands(indexed):
    docs = RagRetriever(k=4).invoke(QUESTION)
    hits = indexed.search(QUESTION, k=4)
    assert [d.metadata["chunk_id"] for d in docs] == [h.chunk.chunk_id for h in hits]
    documents = indexed.index().manifest.documents
    for doc, hit in zip(docs, hits):
        assert isinstance(doc, Document) and set(doc.metadata) == METADATA
        assert doc.page_content == hit.chunk.text and doc.metadata["end"] - doc.metadata["start"] == len(doc.page_content)
        assert doc.metadata["score"] == hit.score and doc.metadata["rank"] == hit.rank
        entry = documents[doc.metadata["source"]]
        assert (doc.metadata["title"], doc.metadata["date"]) == (entry.title, entry.date)


async def test_async_invoke_passes_k(indexed):
    retriever = RagRetriever.from_assistant(indexed, mode="bm25")
    docs = await retriever.ainvoke(QUESTION, k=2)
    assert [d.metadata["chunk_id"] for d in docs] == [h.chunk.chunk_id for h in indexed.search(QUESTION, k=2, mode="bm25")]


@pytest.mark.slow
def test_default_embedder_finds_the_answer(real_assistant, monkeypatch):
    for var in ("RAG_EMBEDDING__BACKEND", "RAG_EMBEDDING__DIM"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("RAG_PATHS__INDEX_DIR", str(real_assistant.settings.paths.index_dir))
    docs = RagRetriever().invoke(QUESTION)
    assert any("49 Prozent" in d.page_content for d in docs[:3])
    assert docs[0].metadata["source"] in {"000_0d2b54194bb49e3b.txt", "002_6df6d283adceccb0.txt"}

"""Fusion and the cross-lingual gate, on a tiny index built with the hashing embedder."""

from __future__ import annotations

import pytest

from rag.core.config import RetrievalSettings
from rag.text.language import detect_language
from rag.retrieval.retriever import Retriever

DOCS = {
    "a.txt": "Der Leuchtturm von Kalmarsund wurde 1872 aus rotem Granit gebaut. Sein Licht reicht weit.",
    "b.txt": "Die Käserei Oberried stellt seit 1930 Bergkäse her. Ein Laib reift vierzehn Monate.",
    "c.txt": "Der Museumsverein bietet im Sommer Führungen im Leuchtturm an und verkauft Postkarten.",
    "d.txt": "Microsoft investierte 2019 eine Milliarde Dollar in OpenAI und baute Rechenzentren.",
}


@pytest.fixture
def tiny(corpus_assistant):
    return corpus_assistant(DOCS)


def retriever(assistant, **overrides) -> Retriever:
    settings = RetrievalSettings(**{**assistant.settings.retrieval.model_dump(), **overrides})
    return Retriever(assistant.index(), assistant.embedder, settings)


@pytest.mark.parametrize("question", [
    "In welchem Jahr starb Tesla?", "In welchem County liegt Jacksonville?",
    "Worauf werden Rotoren in einer Dampfmaschine montiert?", "Weshalb zogen Einwohner in ruhigere Vororte?",
    "Welches Prinzip wurde in The Mask of Anarchy dargestellt?", "Was ist das?",
])  # fmt: skip
def test_german_questions_with_english_lookalikes_are_german(question: str) -> None:
    # "in" and "was" are words in both languages; they used to tip these to English.
    assert detect_language(question) == "de"


@pytest.mark.parametrize("question", ["Who leads the new AI team?", "Is it true?",
                                      "How much did Microsoft invest in OpenAI in 2019?"])
def test_english_questions_are_english(question: str) -> None:
    assert detect_language(question) == "en"


def test_gate_english_question_gets_cross_lingual_weight(tiny) -> None:
    r = retriever(tiny, bm25_weight=0.6, cross_lingual_bm25_weight=0.2)
    assert r.bm25_weight_for(detect_language("How much did Microsoft invest in OpenAI?")) == 0.2
    assert r.bm25_weight_for(detect_language("Wie viel investierte Microsoft in OpenAI?")) == 0.6


@pytest.mark.parametrize("fusion", ["zscore", "rrf"])
def test_gate_zero_weight_means_dense_order(tiny, fusion: str) -> None:
    r = retriever(tiny, fusion=fusion, cross_lingual_bm25_weight=0.0)
    q = "How much did Microsoft invest in OpenAI?"
    dense = [h.chunk.chunk_id for h in r.search(q, detect_language(q), k=4, mode="dense")]
    assert [h.chunk.chunk_id for h in r.search(q, detect_language(q), k=4, mode="hybrid")] == dense


def test_rrf_arithmetic(tiny) -> None:
    r = retriever(tiny, fusion="rrf", rrf_k=3, dense_weight=1.0, bm25_weight=0.5, candidates=10)
    q = "Wann wurde der Leuchtturm aus Granit gebaut?"
    dense = r.search(q, detect_language(q), k=10, mode="dense")
    bm25 = r.search(q, detect_language(q), k=10, mode="bm25")
    expected: dict[str, float] = {}
    for weight, hits in ((1.0, dense), (0.5, bm25)):
        for h in hits:
            expected[h.chunk.chunk_id] = expected.get(h.chunk.chunk_id, 0.0) + weight / (3 + h.rank)
    fused = r.search(q, detect_language(q), k=10, mode="hybrid")
    assert {h.chunk.chunk_id: h.score for h in fused} == pytest.approx(expected)
    assert [h.score for h in fused] == sorted((h.score for h in fused), reverse=True)
    assert fused[0].chunk.source == "a.txt"


def test_zscore_arithmetic(tiny) -> None:
    import numpy as np

    r = retriever(tiny, fusion="zscore", dense_weight=1.0, bm25_weight=0.6, candidates=10)
    q = "Wann wurde der Leuchtturm aus Granit gebaut?"
    fused = r.search(q, detect_language(q), k=10, mode="hybrid")
    cos = np.array([h.dense_score for h in fused])
    lex = np.array([h.lexical_score for h in fused])
    z = lambda x: (x - x.mean()) / x.std()  # noqa: E731
    assert [h.score for h in fused] == pytest.approx(list(z(cos) + 0.6 * z(lex)), abs=1e-5)
    assert fused[0].chunk.source == "a.txt"

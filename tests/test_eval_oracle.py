"""Oracle passages for `rag eval --passages oracle`: the chunks that hold the gold answer."""

from __future__ import annotations

from rag.evaluation.oracle import oracle_for_items, oracle_passages
from rag.core.types import Chunk


def _chunk(source: str, i: int, text: str) -> Chunk:
    return Chunk(f"{source}:{i}", source, source, "T", None, text, i * 100, i * 100 + len(text))


A0 = _chunk("a.txt", 0, "Suleyman gründete Inflection AI.")
A1 = _chunk("a.txt", 1, "Mustafa Suleyman leitet das neue Verbraucher-KI-Team von Microsoft.")
B0 = _chunk("b.txt", 0, "Microsoft übernahm den Großteil der Belegschaft von Inflection AI.")
C0 = _chunk("c.txt", 0, "Suleyman war Gast einer Konferenz.")


def test_takes_the_best_ranked_gold_chunk_of_a_gold_source():
    item = {"answers": ["Suleyman"], "sources": ["a.txt"]}
    # The retriever ranks the Suleyman chunk of another article first: not a gold source.
    hits = oracle_passages([C0, A1, A0, B0], item)
    assert [h.chunk for h in hits] == [A1] and hits[0].rank == 1


def test_require_all_takes_one_chunk_per_element():
    item = {"answers": ["Suleyman", "Belegschaft"], "require_all": True, "sources": ["a.txt", "b.txt"]}
    assert [h.chunk for h in oracle_passages([A0, B0, A1], item)] == [A0, B0]
    # A chunk that holds both elements is given once.
    both = _chunk("a.txt", 2, "Suleyman kam mit der Belegschaft von Inflection.")
    assert [h.chunk for h in oracle_passages([both, A0, B0], item)] == [both]


def test_patterns_count_and_missing_answers_give_nothing():
    assert [h.chunk for h in oracle_passages([A0, B0], {"answers": [], "answer_patterns": [r"Gro(ß|ss)teil"],
                                                       "sources": ["b.txt"]})] == [B0]
    assert oracle_passages([A0, A1], {"answers": ["Nadella"], "sources": ["a.txt"]}) == ()
    assert oracle_passages([A0, A1], {"answers": [], "sources": []}) == ()


def test_for_items_keys_by_question_and_lists_the_missing():
    items = [{"id": "a", "type": "fact", "question": "Wer leitet das Team?", "answers": ["Suleyman"], "sources": ["a.txt"]},
             {"id": "b", "type": "fact", "question": "Wer ist CEO?", "answers": ["Nadella"], "sources": ["a.txt"]},
             {"id": "u", "type": "unanswerable", "question": "Wo sitzt OpenAI?", "answers": [], "sources": []}]
    asked = []

    def rank(question):
        asked.append(question)
        return [A1, A0]

    oracle, missing = oracle_for_items(items, rank)
    assert {q: [h.chunk for h in hits] for q, hits in oracle.items()} == {"Wer leitet das Team?": [A1]}
    assert missing == ["b"] and "Wo sitzt OpenAI?" not in asked  # unanswerable: not even ranked

"""Arithmetic of the eval metrics on hand-computed cases."""

from __future__ import annotations

import pytest

from rag.evaluation import metrics as m

A, B, C = "000_a.txt", "002_b.txt", "004_c.txt"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Der Konzern hält 49 Prozent.", "konzern hält 49 prozent"),
        ("Die Straße, das Haus!", "strasse haus"),  # ß folds to ss; articles dropped
        ("STRASSE", "strasse"),
        ("10.000 Mitarbeiter / 10,000 employees", "10000 mitarbeiter 10000 employees"),
        ("6,6 Milliarden", "6 6 milliarden"),
        ("im Jahr 2023 200 Millionen", "im jahr 2023 200 millionen"),
        ("„Bromance“ – Cloud-Anbieter", "bromance cloud anbieter"),
        ("über  Größe\n", "über grösse"),
    ],
)
def test_normalize_answer(raw: str, expected: str) -> None:
    assert m.normalize_answer(raw) == expected


def test_answer_match_any_and_boundaries() -> None:
    item = {"answers": ["49 Prozent", "drei Jahre"], "answer_patterns": []}
    assert m.answer_match(item, "Microsoft soll einen Anteil von 49 Prozent erhalten haben.")
    assert m.answer_match(item, "seit drei Jahren")  # inflection suffix allowed
    assert not m.answer_match(item, "1949 Prozent")  # must start at a word boundary
    assert not m.answer_match({"answers": ["49"]}, "495 Mitarbeiter")  # numbers end exactly
    assert m.answer_match({"answers": ["10.000"]}, "about 10,000 employees")


def test_answer_match_patterns_and_require_all() -> None:
    item = {"answers": [], "answer_patterns": [r"\b49\s*(%|Prozent)"]}
    assert m.answer_match(item, "Beteiligung von 49 %")
    assert not m.answer_match(item, "Beteiligung von 48 %")
    multi = {"answers": ["Oracle", "Stargate"], "require_all": True}
    assert m.answer_match(multi, "Oracle ist Partner bei Stargate.")
    assert not m.answer_match(multi, "Oracle liefert Serverkapazität.")
    assert not m.answer_match({"answers": [], "answer_patterns": []}, "irgendwas")


def test_token_f1() -> None:
    # pred tokens: [kevin, scott, ist, cto]; gold [kevin, scott] -> P=0.5, R=1 -> F1=2/3
    assert m.token_f1("Kevin Scott ist CTO", ["Kevin Scott"]) == pytest.approx(2 / 3)
    assert m.token_f1("Der CTO", ["Kevin Scott", "CTO"]) == 1.0  # best gold wins
    assert m.token_f1("nichts", ["Kevin Scott"]) == 0.0
    assert m.token_f1("egal", []) == 0.0


def test_chrf() -> None:
    assert m.chrf("Kevin Scott", ["Kevin Scott"]) == pytest.approx(1.0)
    assert m.chrf("", ["Kevin Scott"]) == 0.0
    assert m.chrf("Kevin Scott", []) == 0.0
    partial = m.chrf("Kevin Scott ist der CTO von Microsoft", ["Kevin Scott"])
    assert 0.0 < partial < 1.0


def test_retrieval_metrics_are_source_level() -> None:
    retrieved = [A, A, A, B, C]  # three chunks of A count as one rank
    assert m.hit_at_k(retrieved, [B], 1) == 0.0
    assert m.hit_at_k(retrieved, [B], 2) == 1.0
    assert m.mrr(retrieved, [B]) == 0.5
    assert m.mrr(retrieved, [C, B]) == 0.5  # first gold hit counts
    assert m.mrr(retrieved, [C], k=2) == 0.0
    assert m.mrr([], [A]) == 0.0


def test_citation_metrics() -> None:
    three = [{"n": 1}, {"n": 2}, {"n": 3}]
    assert m.citation_markers("a [1] b [2, 3] c [7]") == [1, 2, 3, 7]
    assert m.citation_validity("Antwort [1] und [3].", three) == 1.0
    assert m.citation_validity("Antwort [1] und [7].", three) == 0.0
    assert m.citation_validity("ohne Marker", []) == 1.0
    assert m.citation_precision([A, B], [A]) == 0.5
    assert m.citation_precision([A, A], [A]) == 1.0
    assert m.citation_precision([], [A]) is None
    assert m.citation_recall([A], [A, B]) == 0.5
    assert m.citation_recall([A], []) is None


def test_refusal_rates() -> None:
    refused = [True, False, True, False, False]
    answerable = [False, False, True, True, True]
    rates = m.refusal_rates(refused, answerable)
    assert rates["correct_refusal_rate"] == 0.5  # 1 of 2 unanswerable refused
    assert rates["false_refusal_rate"] == pytest.approx(1 / 3)  # 1 of 3 answerable refused
    assert m.refusal_rates([True], [True]) == {"correct_refusal_rate": None, "false_refusal_rate": 1.0}
    with pytest.raises(ValueError):
        m.refusal_rates([True], [])


def test_percentile_and_mean() -> None:
    vals = [10.0, 20.0, 30.0, 40.0]
    assert m.percentile(vals, 50) == 25.0
    assert m.percentile(vals, 95) == pytest.approx(38.5)  # numpy: 30 + 0.85 * 10
    assert m.percentile([5.0], 95) == 5.0
    assert m.percentile([], 50) is None
    assert m.percentile([1.0, None, 3.0], 0) == 1.0
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None]) is None
    with pytest.raises(ValueError):
        m.percentile(vals, 101)

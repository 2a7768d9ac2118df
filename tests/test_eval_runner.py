"""Runner and report: scoring of hand-written responses, the real eval set, report files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from rag.core.errors import BackendError, InputError
from rag.answer.analysis import analyze_question
from rag.evaluation import format_table, load_items, run_eval, score_item, write_report

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "evals" / "questions.jsonl"
S0, S2, S4 = "000_0d2b54194bb49e3b.txt", "002_6df6d283adceccb0.txt", "004_878f3f8685ed7ceb.txt"

FACT = {
    "id": "f1", "type": "fact", "question": "Welchen Anteil soll Microsoft erhalten haben?",
    "answers": ["49 Prozent"], "answer_patterns": [r"\b49\s*(%|Prozent)"], "sources": [S0, S2],
}  # fmt: skip
UNANS = {"id": "u1", "type": "unanswerable", "question": "Wie viele Mitarbeiter hat OpenAI?",
         "answers": [], "sources": []}  # fmt: skip


def response(answer: str, cited: list[str], retrieved: list[str], refused: bool = False,
             total_ms: float = 100.0) -> dict:  # fmt: skip
    """A minimal Answer.to_json() dict; citations are numbered 1..n."""
    return {
        "question": "q", "answer": answer, "refused": refused,
        "citations": [{"n": i, "source": s, "title": "", "date": None, "chunk_id": f"{s}:0",
                       "start": 0, "end": 1, "text": "x"} for i, s in enumerate(cited, 1)],
        "retrieved": [{"chunk_id": f"{s}:{i}", "source": s, "start": 0, "end": 1, "score": 1.0,
                       "text": "x"} for i, s in enumerate(retrieved)],
        "timings_ms": {"retrieve": 1.0, "generate": 2.0, "total": total_ms},
        "backend": "fake",
    }  # fmt: skip


PERFECT = response("Microsoft soll 49 Prozent erhalten haben [1].", [S0], [S0, S2])
WRONG = response("Microsoft hält 13 Milliarden [1].", [S4], [S4, S4, S0])
FALSE_REFUSAL = response("Dazu finde ich nichts.", [], [S2], refused=True)
BAD_MARKER = response("49 Prozent [1][7].", [S0, S2, S4], [S2])  # [7] with 3 citations
GOOD_REFUSAL = response("Dazu finde ich nichts.", [], [S4], refused=True, total_ms=10.0)


def test_score_perfect_answer() -> None:
    row = score_item(FACT, PERFECT)
    assert row["answer_match"] == 1.0
    assert row["hit@1"] == row["hit@5"] == row["mrr@10"] == 1.0
    assert row["citation_validity"] == 1.0
    assert row["citation_precision"] == 1.0
    assert row["citation_recall"] == 0.5  # one of two gold sources cited
    assert row["false_refusal"] == 0.0 and row["correct_refusal"] is None


def test_score_wrong_answer_cites_non_gold_source() -> None:
    row = score_item(FACT, WRONG)
    assert row["answer_match"] == 0.0 and row["token_f1"] == 0.0
    assert row["hit@1"] == 0.0 and row["hit@3"] == 1.0
    assert row["mrr@10"] == 0.5  # S4's two chunks count as rank 1, S0 is rank 2
    assert row["citation_precision"] == 0.0 and row["citation_recall"] == 0.0


def test_score_invalid_marker_and_refusals() -> None:
    row = score_item(FACT, BAD_MARKER)
    assert row["citation_validity"] == 0.0
    assert row["citation_precision"] == pytest.approx(2 / 3) and row["citation_recall"] == 1.0
    row = score_item(FACT, FALSE_REFUSAL)
    assert row["false_refusal"] == 1.0 and row["answer_match"] == 0.0
    assert row["citation_precision"] is None and row["hit@1"] == 1.0
    row = score_item(UNANS, GOOD_REFUSAL)
    assert row["correct_refusal"] == 1.0
    assert row["answer_match"] is None and row["hit@1"] is None  # refusal metrics only


def _result():
    items = [FACT, dict(FACT, id="f2"), dict(FACT, id="f3"), UNANS, dict(UNANS, id="u2")]
    replies = iter([PERFECT, WRONG, FALSE_REFUSAL, GOOD_REFUSAL, PERFECT])
    seen = []
    result = run_eval(lambda q: next(replies), items, progress=lambda i, n, r: seen.append((i, n)),
                      meta={"settings": {"k": 5}})  # fmt: skip
    return result, seen


def test_run_eval_aggregates() -> None:
    result, seen = _result()
    assert seen[-1] == (5, 5) and result.n_questions == 5
    o = result.overall
    assert o["answer_match"] == pytest.approx(1 / 3)  # answerable only: 1 of 3
    assert o["correct_refusal_rate"] == 0.5  # u1 refused, u2 answered
    assert o["false_refusal_rate"] == pytest.approx(1 / 3)
    assert o["citation_precision"] == 0.5  # answered: PERFECT 1.0, WRONG 0.0
    assert o["hit@1"] == pytest.approx(2 / 3)  # PERFECT and FALSE_REFUSAL (S2 first)
    assert o["latency_p50_ms"] == 100.0 and o["latency_p95_ms"] == 100.0
    assert set(result.by_type) == {"fact", "unanswerable"}
    assert result.by_type["unanswerable"]["answer_match"] is None
    assert result.by_type["fact"]["n"] == 3
    assert result.meta["backend"] == "fake" and result.meta["settings"] == {"k": 5}


def test_run_eval_records_errors() -> None:
    def boom(q: str) -> dict:
        raise BackendError("backend down")

    result = run_eval(boom, [FACT, UNANS])
    assert result.overall["errors"] == 2
    assert result.overall["answer_match"] == 0.0
    assert result.overall["correct_refusal_rate"] == 0.0  # a crash is no refusal
    assert "backend down" in result.per_question[0]["error"]


def test_run_eval_lets_bugs_raise() -> None:
    def bug(q: str) -> dict:
        raise KeyError("not a user-level failure")

    with pytest.raises(KeyError):
        run_eval(bug, [FACT])


def test_real_eval_set_meets_minimums() -> None:
    items = load_items(QUESTIONS)
    counts = Counter(i["type"] for i in items)
    minimums = {"fact": 27, "paraphrase": 6, "multi": 4, "temporal": 3, "crosslingual": 6,
                "unanswerable": 7}  # fmt: skip
    for kind, minimum in minimums.items():
        assert counts[kind] >= minimum, kind
    assert len(items) >= 55
    assert len({i["id"] for i in items}) == len(items)
    seeds = {p.name for p in (ROOT / "seeds").glob("*.txt")}
    for item in items:
        assert set(item["sources"]) <= seeds, item["id"]
        if item["type"] == "multi":
            assert len(item["sources"]) >= 2 and item.get("require_all"), item["id"]
        if item["type"] == "temporal" and any(p.about_now for p in analyze_question(item["question"]).parts):
            # About now: the newest source and the older one it supersedes.
            assert len(item["sources"]) >= 2, item["id"]


def test_real_eval_set_gold_is_in_sources() -> None:
    """Every gold answer (all parts for require_all) occurs in the listed sources together.

    For temporal items the gold comes from the newest source, which is listed too."""
    from rag.evaluation.metrics import answer_match

    texts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}
    for item in load_items(QUESTIONS):
        if item["type"] == "unanswerable":
            continue
        corpus = "\n".join(texts[s] for s in item["sources"])
        assert answer_match(item, corpus), item["id"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "question": "q", "answers": ["a"], "sources": ["s"], "type": "fact"', "not valid JSON"),
        ('{"id": "x", "question": "q", "answers": ["a"], "type": "fact"}', "missing required field 'sources'"),
        ('{"id": "x", "question": "q", "answers": ["a"], "sources": ["s"], "type": "trivia"}', "unknown type"),
        ('{"id": "x", "question": "q", "answers": ["a"], "sources": ["s"], "type": "unanswerable"}', "unanswerable items"),
        ('{"id": "x", "question": "q", "answers": "a", "sources": ["s"], "type": "fact"}', "'answers' must be a list"),
        ('{"id": "x", "question": "q", "answers": ["a"], "answer_patterns": ["("], "sources": ["s"], "type": "fact"}', "invalid regex"),
    ],
)  # fmt: skip
def test_load_items_rejects_malformed_line(tmp_path: Path, line: str, message: str) -> None:
    good = '{"id": "ok", "question": "q", "answers": ["a"], "sources": ["s"], "type": "fact"}'
    path = tmp_path / "q.jsonl"
    path.write_text(f"# comment\n{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_items(path)
    assert f"{path}:4" in str(err.value)  # names the offending line


def test_load_items_rejects_duplicate_ids(tmp_path: Path) -> None:
    good = '{"id": "ok", "question": "q", "answers": ["a"], "sources": ["s"], "type": "fact"}'
    path = tmp_path / "q.jsonl"
    path.write_text(f"{good}\n{good}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"q.jsonl:2: duplicate id 'ok' \(first on line 1\)"):
        load_items(path)


def test_write_report_files_and_compare(tmp_path: Path) -> None:
    result, _ = _result()
    first = write_report(result, tmp_path / "run1", meta={"note": "baseline"})
    data = json.loads(first["json"].read_text(encoding="utf-8"))
    for key in ("n_questions", "overall", "by_type", "per_question", "meta"):
        assert key in data
    assert data["n_questions"] == 5 and len(data["per_question"]) == 5
    assert data["meta"]["backend"] == "fake" and data["meta"]["note"] == "baseline"
    assert data["by_type"]["fact"]["answer_match"] == pytest.approx(1 / 3)
    assert data["comparison"] is None
    assert first["markdown"].read_text(encoding="utf-8").startswith("# Eval report")
    assert first["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first["chart"].stat().st_size > 1000

    better = run_eval(lambda q: PERFECT if q == FACT["question"] else GOOD_REFUSAL,
                      [FACT, dict(FACT, id="f2"), dict(FACT, id="f3"), UNANS, dict(UNANS, id="u2")])  # fmt: skip
    second = write_report(better, tmp_path / "run2", compare_to=first["json"])
    diff = {r["metric"]: r for r in json.loads(second["json"].read_text())["comparison"]}
    assert diff["answer_match"]["previous"] == pytest.approx(1 / 3)
    assert diff["answer_match"]["now"] == 1.0
    assert diff["answer_match"]["delta"] == pytest.approx(2 / 3)
    md = second["markdown"].read_text(encoding="utf-8")
    assert "## Compared with previous run" in md and "| answer_match | 0.333 | 1.000 | +0.667 | better |" in md
    table = format_table(better, compare_to=tmp_path / "run1")  # a directory works too
    assert "Compared with previous run" in table
    assert any(line.split()[:4] == ["answer_match", "0.333", "1.000", "+0.667"] for line in table.splitlines())


def test_import_is_cheap() -> None:
    code = (
        "import sys, rag.evaluation; "
        "print(sorted(m for m in ('matplotlib', 'sacrebleu', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

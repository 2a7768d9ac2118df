"""The eval report: report.html, provenance, the comparison with the previous run, the glossary
and the reliability diagram (issue 33). Responses are written by hand (the JSON contract);
provenance is collected from a real (hashing) index."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from rag.core.fsio import sha256_file
from rag.evaluation import run_eval, write_report
from rag.evaluation.glossary import LOWER, describe
from rag.evaluation.provenance import collect
from rag.evaluation.records import squad_overall
from rag.evaluation.runner import LOWER_IS_BETTER
from rag.evaluation.runs import likely_causes

ROOT = Path(__file__).resolve().parents[1]
S0, S4 = "000_0d2b54194bb49e3b.txt", "004_878f3f8685ed7ceb.txt"
FACT = {"id": "f1", "type": "fact", "question": "Welchen Anteil soll Microsoft erhalten haben?",
        "answers": ["49 Prozent"], "sources": [S0]}
FACT2 = {"id": "f2", "type": "fact", "question": "Wie heißt der CTO von Microsoft?",
         "answers": ["Kevin Scott"], "sources": [S4]}
UNANS = {"id": "u1", "type": "unanswerable", "question": "Wie viele Mitarbeiter hat OpenAI?",
         "answers": [], "sources": []}
PASSAGE = "Microsoft soll 49 Prozent der Anteile erhalten haben."


def response(answer: str, source: str | None = S0, refused: bool = False, confidence=None,
             total_ms: float = 120.0, passage: str = PASSAGE) -> dict:
    """An Answer.to_json() dict citing `source` (none when refused)."""
    cited = [] if refused or source is None else [source]
    out = {"question": "q", "answer": answer, "refused": refused, "backend": "extractive",
           "citations": [{"n": 1, "source": s, "date": "2023-01", "start": 0, "end": len(passage),
                          "text": passage, "chunk_id": f"{s}:0"} for s in cited],
           "retrieved": [{"chunk_id": f"{S0}:0", "source": S0, "start": 0, "end": 99, "score": 1.0,
                          "text": "Der erste Treffer der Suche."}],
           "timings_ms": {"total": total_ms}}
    if confidence is not None:
        out["confidence"] = confidence
    return out


RIGHT = response("Microsoft soll 49 Prozent erhalten haben [1].")
WRONG = response("Microsoft hält 13 Milliarden [1].", passage="Microsoft hält 13 Milliarden.")
CTO = response("Kevin Scott ist CTO [1].", source=S4, passage="Kevin Scott ist CTO von Microsoft.")
REFUSAL = response("Dazu finde ich nichts.", refused=True)


def run(answers: dict[str, dict], items=(FACT, FACT2, UNANS), split: str = "test"):
    return run_eval(lambda q: answers[q], list(items), meta={"set": "seeds", "split": split,
                                                             "questions": "evals/questions.jsonl"})


def provenance(**changes) -> dict:
    base = {"index_version": "v1", "index_sha256": "i1", "index_embedder": "hashing-256",
            "chunking": {"chunker": "c", "chunk_size": 700, "chunk_overlap": 100},
            "corpus_sha256": "c1", "n_documents": 2, "documents": {S0: "h0", S4: "h4"},
            "embedder": {"model_id": "hashing-256", "file": None}, "reader_params": {"path": "p", "sha256": "r1"},
            "backend": {"name": "extractive", "model": None}, "code": {"commit": "abc", "dirty": False},
            "dataset": [{"path": "evals/questions.jsonl", "sha256": "d1"}]}
    base.update(changes)
    return base


ANSWERS = {FACT["question"]: RIGHT, FACT2["question"]: CTO, UNANS["question"]: REFUSAL}


def test_two_runs_in_a_row_compare_with_nothing_changed(tmp_path: Path) -> None:
    first = write_report(run(ANSWERS), tmp_path / "run-a", provenance=provenance())
    second = write_report(run(ANSWERS), tmp_path / "run-b", provenance=provenance())
    a = json.loads(first["json"].read_text(encoding="utf-8"))
    b = json.loads(second["json"].read_text(encoding="utf-8"))
    assert a["previous"] is None and a["changed"] is None
    assert b["previous"] == str(tmp_path / "run-a")
    assert b["changed"] == [] and b["likely_causes"] == []
    assert b["questions"] == {"added": [], "removed": [], "same_outcome_new_answer": []}
    assert b["provenance"] == provenance()
    page = second["html"].read_text(encoding="utf-8")
    assert "No question changed its outcome." in page and "run-a" in page
    # Another split is another series: it is not compared with this one.
    dev = json.loads(write_report(run(ANSWERS, split="dev"), tmp_path / "run-c")["json"].read_text())
    assert dev["previous"] is None


def test_a_changed_outcome_is_listed_first_with_before_after_and_its_likely_cause(tmp_path: Path) -> None:
    write_report(run(ANSWERS), tmp_path / "run-a", provenance=provenance())
    worse = dict(ANSWERS, **{FACT["question"]: WRONG})
    added = provenance(corpus_sha256="c2", documents={S0: "h0", S4: "h4", "005_new.txt": "h5"},
                       index_version="v2", index_sha256="i2")
    paths = write_report(run(worse), tmp_path / "run-b", provenance=added)
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    (change,) = report["changed"]
    assert change["id"] == "f1" and change["question"] == FACT["question"]
    assert change["before"] == {"outcome": "correct", "answer": RIGHT["answer"]}
    assert change["after"] == {"outcome": "wrong", "answer": WRONG["answer"]}
    assert report["likely_causes"][0] == "the indexed documents changed: 1 added (005_new.txt)"
    assert report["likely_causes"][1].startswith("the index changed (version v1 → v2")
    page = paths["html"].read_text(encoding="utf-8")
    comparison = page[page.index('<section id="comparison">'):page.index('<section id="headline">')]
    assert "f1" in comparison and WRONG["answer"] in comparison and "005_new.txt" in comparison
    assert page.index('id="comparison"') < page.index('id="headline"') < page.index('id="misses"')


def test_report_html_is_self_contained_with_headline_split_charts_and_glossary(tmp_path: Path) -> None:
    paths = write_report(run(dict(ANSWERS, **{FACT["question"]: WRONG})), tmp_path / "run")
    page = paths["html"].read_text(encoding="utf-8")
    # Nothing is fetched: no script, stylesheet link, image source or CSS url() but the SVG's
    # own clip paths (url(#id)); the only URLs are SVG's namespace names.
    assert not re.search(r"<script|<link|<img|\bsrc=|url\((?!#)", page, re.I)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= {"http://www.w3.org/2000/svg",
                                                                "http://www.w3.org/1999/xlink"}
    assert page.count("<svg") == 2  # the bars and the latency histogram (no confidence here)
    headline = page[page.index('<section id="headline">'):page.index('<section id="charts">')]
    assert "test split (held out), 3 questions" in headline
    assert re.search(r'data-metric="answer_match"[^>]*><div class="value">0.500<', headline)
    assert re.search(r'data-metric="correct_refusal_rate"[^>]*><div class="value">1.000<', headline)
    glossary = page[page.index('<section id="glossary">'):]
    for metric in ("chrf", "states_change", "token_f1", "false_refusal_rate"):
        assert f"<code>{metric.replace('_', '_<wbr>')}</code>" in glossary
    assert "lower is better" in glossary and "higher is better" in glossary
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "## Glossary" in md and "- `chrf`: character n-gram" in md


def test_misses_show_question_gold_answer_and_cited_passage(tmp_path: Path) -> None:
    answers = {FACT["question"]: WRONG, FACT2["question"]: response("Dazu nichts.", refused=True),
               UNANS["question"]: CTO}
    page = write_report(run(answers), tmp_path / "run")["html"].read_text(encoding="utf-8")
    misses = page[page.index('<section id="misses">'):page.index('<section id="provenance">')]
    assert "Misses (3)" in misses
    assert FACT["question"] in misses and "49 Prozent" in misses and WRONG["answer"] in misses
    assert "Microsoft hält 13 Milliarden." in misses  # the cited passage
    # A refusal cites nothing: the best retrieved passage is shown instead, labelled so.
    assert "false refusal" in misses and "nothing cited; retrieved first" in misses
    assert "answered (should refuse)" in misses and "Kevin Scott ist CTO von Microsoft." in misses


def test_reliability_diagram_from_recorded_confidences(tmp_path: Path) -> None:
    items = [dict(FACT, id=f"c{i}") for i in range(4)] + [UNANS]
    confidences = [0.95, 0.9, 0.15, 0.25]
    right = [True, True, False, True]
    answers = iter([response("49 Prozent [1]." if ok else "13 Milliarden [1].", confidence=c)
                    for c, ok in zip(confidences, right)] + [response("Nein.", refused=True, confidence=0.1)])
    result = run_eval(lambda q: next(answers), items, meta={"set": "seeds", "split": "test"})
    paths = write_report(result, tmp_path / "run")
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [r["confidence"] for r in report["per_question"]] == confidences + [0.1]
    table = report["calibration"]
    # The refusal counts too: refusing the unanswerable question with confidence 0.1 claims
    # 0.9 that refusing was right, and it was.
    assert table["n"] == 5
    assert [(b["lo"], b["n"], b["accuracy"]) for b in table["bins"]] == [(0.1, 1, 0.0), (0.2, 1, 1.0), (0.9, 3, 1.0)]
    # (|0 - .15| + |1 - .25| + 3 * |1 - (.95 + .9 + .9) / 3|) / 5
    assert table["ece"] == pytest.approx((0.15 + 0.75 + 3 * (1 - 2.75 / 3)) / 5)
    assert table["ece"] == pytest.approx(report["overall"]["ece"])  # one definition: the metric's
    page = paths["html"].read_text(encoding="utf-8")
    section = page[page.index('id="chart-reliability"'):page.index('id="chart-latency"')]
    assert "<svg" in section and "No confidence recorded" not in section
    assert f"Expected calibration error {table['ece']:.3f}</strong>\n        over 5 responses" in section

    plain = write_report(run(ANSWERS), tmp_path / "plain")
    assert json.loads(plain["json"].read_text())["calibration"] is None
    assert "No confidence recorded" in plain["html"].read_text(encoding="utf-8")


def test_unknown_metric_keys_are_shown_as_they_are(tmp_path: Path) -> None:
    result = run(ANSWERS)
    result.overall["answer_zest"] = 0.5  # a metric newer than the glossary
    page = write_report(result, tmp_path / "run")["html"].read_text(encoding="utf-8")
    metrics = page[page.index('<section id="metrics">'):page.index('<section id="misses">')]
    assert "<td>answer_zest</td><td class=\"num\">0.500</td>" in metrics
    assert "<code>answer_<wbr>zest</code></td><td>not described in the glossary yet" in page


def test_glossary_describes_every_metric_the_runs_compute() -> None:
    judge = lambda response: {"faithfulness": 1.0, "claims": 1, "supported_claims": 1}  # noqa: E731
    llm = dict(RIGHT, backend="local")
    result = run_eval(lambda q: llm, [FACT, UNANS], judge=judge)
    squad = {"n_questions": 5, "retrieval": {m: {"hit@1": 1, "hit@5": 1, "mrr@10": 1, "p50_ms": 1, "p95_ms": 2}
                                             for m in ("dense", "bm25", "hybrid")},
             "answers": {"exact_match": 0, "token_f1": 0, "contained": 1, "refused": 0, "n": 5},
             "unanswerable": {"exact_match": 0, "token_f1": 0, "contained": 0, "refused": 1, "n": 5}}
    names = set(result.overall) | set(squad_overall(squad))
    assert {"extractive_fallbacks", "faithfulness", "judge_errors", "hybrid p50_ms"} <= names
    assert [n for n in names if describe(n) is None] == []
    assert all(describe(n)[1] == LOWER for n in LOWER_IS_BETTER)


def test_provenance_of_a_real_index(hashing_assistant, tmp_path: Path) -> None:
    questions = ROOT / "evals" / "questions.jsonl"
    record = collect(hashing_assistant, [questions])
    status = hashing_assistant.status()
    assert record["index_version"] == status["version"]  # as `rag status` shows it
    manifest = json.loads((hashing_assistant.settings.paths.index_dir / "versions" / status["version"]
                           / "manifest.json").read_text(encoding="utf-8"))
    lines = "".join(f"{s}\t{d['content_hash']}\n" for s, d in sorted(manifest["documents"].items()))
    import hashlib

    assert record["corpus_sha256"] == hashlib.sha256(lines.encode()).hexdigest()
    assert record["n_documents"] == 5 and len(record["documents"]) == 5
    assert record["dataset"] == [{"path": str(questions), "sha256": sha256_file(questions)}]
    reader = Path(hashing_assistant.reader.params_file)
    assert record["reader_params"] == {"path": str(reader), "sha256": sha256_file(reader)}
    assert record["embedder"]["model_id"] == "hashing-256" and record["embedder"]["file"] is None
    assert record["backend"]["name"] == "extractive"
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert record["code"]["commit"] == head.stdout.strip()

    # A document added and indexed: a new corpus hash and index, and the cause names the file.
    seeds = hashing_assistant.settings.paths.seeds_dir
    (seeds / "005_neu.txt").write_text("OpenAI eröffnet ein Büro in München.\n", encoding="utf-8")
    hashing_assistant.rebuild()
    after = collect(hashing_assistant, [questions])
    assert after["corpus_sha256"] != record["corpus_sha256"] and after["index_version"] != record["index_version"]
    causes = likely_causes({"provenance": record}, {"provenance": after})
    assert causes[0] == "the indexed documents changed: 1 added (005_neu.txt)"
    assert causes[1].startswith(f"the index changed (version {record['index_version']} → {after['index_version']}")


def test_rag_eval_twice_in_a_row_second_compares_with_first_and_nothing_changed(
        hashing_settings, monkeypatch, tmp_path: Path, capsys) -> None:
    """`rag eval` twice (the CLI, a real hashing index): the second run names the first as
    `previous`, no outcome changed, the same provenance, and report.html has its charts inline."""
    from rag.cli import main

    p = hashing_settings.paths
    for key, value in {"RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
                       "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "results"
    assert main(["index"]) == 0
    assert main(["eval", "--limit", "12", "--out", str(out)]) == 0
    assert main(["eval", "--limit", "12", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    first, second = sorted(out.glob("*-seeds-extractive-test*/report.json"))
    a, b = (json.loads(f.read_text(encoding="utf-8")) for f in (first, second))
    assert a["previous"] is None and b["previous"] == str(first.parent)
    assert b["changed"] == [] and b["questions"]["same_outcome_new_answer"] == []
    # What may differ between the two runs: when they ran, how long they took. What may not:
    # every answer, every score but latency, and what was measured.
    assert [r["answer"] for r in a["per_question"]] == [r["answer"] for r in b["per_question"]]
    assert {k: v for k, v in a["overall"].items() if "latency" not in k} == \
           {k: v for k, v in b["overall"].items() if "latency" not in k}
    assert a["provenance"] == b["provenance"] and b["likely_causes"] == []
    assert "no question changed its outcome" in printed and f"Report: {second.parent / 'report.html'}" in printed
    page = (second.parent / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "<img" not in page  # by type, reliability (answers carry a confidence), latency

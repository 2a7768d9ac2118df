"""Faithfulness with an LLM judge: claim splitting, verdict parsing and the runner's
arithmetic, with the registered `fake` backend replying known verdicts."""

from __future__ import annotations

import json

import pytest

from rag.core.config import load_settings
from rag.core.errors import RagError
from rag.evaluation.judge import JudgeReplyError, make_judge, parse_verdicts, split_claims
from rag.evaluation.report import format_table, write_report
from rag.evaluation.runner import run_eval

PASSAGE = "Außerdem soll der Konzern einen Anteil von 49 Prozent an dem Unternehmen erhalten haben."


def _response(answer: str, refused: bool = False) -> dict:
    cites = [] if refused else [{"n": 1, "source": "a.txt", "chunk_id": "a:0", "text": PASSAGE}]
    return {"answer": answer, "refused": refused, "citations": cites,
            "retrieved": [{"chunk_id": "a:0", "source": "a.txt", "text": PASSAGE}],
            "timings_ms": {"total": 1.0}, "backend": "fake"}


def _item(id_: str, type_: str, answers: list[str]) -> dict:
    sources = ["a.txt"] if answers else []
    return {"id": id_, "question": f"Frage {id_}?", "answers": answers, "sources": sources, "type": type_}


def test_claims_are_sentences_without_markers():
    claims = split_claims("Microsoft erhält 49 Prozent [1]. Der Deal ist groß [1, 2]! [3]")
    assert claims == ["Microsoft erhält 49 Prozent.", "Der Deal ist groß!"]


@pytest.mark.parametrize("reply, expected", [
    ('[{"aussage": 1, "belegt": true}, {"aussage": 2, "belegt": false}]', [True, False]),
    ('Hier ist das Urteil:\n```json\n[{"aussage": 2, "belegt": "nein"}, {"aussage": 1, "belegt": "ja"}]\n```',
     [True, False]),
    ('{"urteile": [true, false]}', [True, False]),
])
def test_verdicts_are_parsed_despite_junk_around_them(reply, expected):
    assert parse_verdicts(reply, 2) == expected


@pytest.mark.parametrize("reply", [
    "Beide Aussagen sind belegt.",                      # no JSON at all
    '[{"aussage": 1, "belegt": true}]',                 # one verdict for two claims
    '[{"aussage": 1, "belegt": true}, {"aussage": 1, "belegt": true}]',  # claim 2 missing
    '[{"aussage": 1, "belegt": "vielleicht"}, {"aussage": 2, "belegt": true}]',
])
def test_unusable_replies_are_errors(reply):
    with pytest.raises(JudgeReplyError):
        parse_verdicts(reply, 2)


def test_extractive_backend_cannot_judge():
    with pytest.raises(RagError, match="cannot judge"):
        make_judge("extractive", load_settings())


def test_runner_aggregates_faithfulness_from_fake_judge_verdicts(tmp_path):
    items = [_item("f-1", "fact", ["49 Prozent"]), _item("f-2", "fact", ["49 Prozent"]),
             _item("f-3", "fact", ["49 Prozent"]), _item("u-1", "unanswerable", [])]
    responses = {
        "Frage f-1?": _response("Der Konzern erhält 49 Prozent [1]. Er zahlt 99 Milliarden [1]."),
        "Frage f-2?": _response("Der Konzern erhält 49 Prozent [1]."),
        "Frage f-3?": _response("Der Konzern erhält 49 Prozent [1]. Das ist viel [1]."),
        "Frage u-1?": _response("Dazu steht in den Dokumenten nichts.", refused=True),
    }
    # One reply per judged answer, in order; the refusal is skipped without a judge call.
    replies = ['[{"aussage": 1, "belegt": true}, {"aussage": 2, "belegt": false}]',
               'Urteil: [{"aussage": 1, "belegt": true}]',
               "Ich kann das nicht beurteilen."]
    judge = make_judge("fake", load_settings(), extra={"replies": replies})
    result = run_eval(lambda q: responses[q], items, judge=judge, meta={"judge": "fake"})
    rows = {r["id"]: r for r in result.per_question}
    assert (rows["f-1"]["claims"], rows["f-1"]["supported_claims"], rows["f-1"]["faithfulness"]) == (2, 1, 0.5)
    assert rows["f-2"]["faithfulness"] == 1.0
    assert rows["f-3"]["faithfulness"] is None and "JudgeReplyError" in rows["f-3"]["judge_error"]
    assert rows["u-1"]["faithfulness"] is None and rows["u-1"]["judge_error"] is None
    assert result.overall["faithfulness"] == pytest.approx(0.75)  # mean of 0.5 and 1.0
    assert result.overall["judge_errors"] == 1
    assert result.by_type["fact"]["faithfulness"] == pytest.approx(0.75)
    assert result.by_type["unanswerable"]["faithfulness"] is None
    # Three judge calls (the refusal is skipped); each prompt holds the cited passage and
    # the numbered claims without their markers.
    requests = judge.backend.requests
    assert len(requests) == 3
    prompt = requests[0].messages[-1]["content"]
    assert PASSAGE in prompt and "1. Der Konzern erhält 49 Prozent." in prompt
    assert "2. Er zahlt 99 Milliarden." in prompt and "[1]" in prompt and "Aussagen" in prompt
    paths = write_report(result, tmp_path)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["overall"]["faithfulness"] == pytest.approx(0.75)
    assert data["by_type"]["fact"]["faithfulness"] == pytest.approx(0.75)
    assert "faithfulness" in paths["markdown"].read_text(encoding="utf-8")
    header = next(line for line in format_table(result).splitlines() if line.startswith("type"))
    assert header.split()[-1] == "faithfulness"


def test_runner_without_judge_reports_no_faithfulness():
    items = [_item("f-1", "fact", ["49 Prozent"])]
    result = run_eval(lambda q: _response("Der Konzern erhält 49 Prozent [1]."), items)
    assert "faithfulness" not in result.overall and "faithfulness" not in result.per_question[0]

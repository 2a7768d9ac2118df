"""Follow-up resolution (rag/answer/condense.py) and its eval (`rag eval --set followups`)."""

from __future__ import annotations

import json

import pytest

from rag.answer.condense import PriorTurn, resolve_follow_up
from rag.cli import main
from rag.core.errors import InputError
from rag.evaluation.followups import judge, load_conversations, score


@pytest.fixture(scope="module")
def conversations():
    from tests.conftest import REPO

    return load_conversations(REPO / "evals/followups/conversations.jsonl")


def test_the_set_is_large_enough_and_split(conversations):
    assert len(conversations) >= 30
    for split in ("dev", "test"):
        part = [c for c in conversations if c["split"] == split]
        assert {c["lang"] for c in part} == {"de", "en"}
        assert sum(not c["depends"] for c in part) >= 5  # second questions that stand alone


# The goal is not met, and issue 31 stays open: this mark records it, it does not lower the goal.
# strict: the day the test split reaches the goal, this test fails until the mark is removed.
@pytest.mark.xfail(strict=True, reason=(
    "issue 31's goal (>= 0.9 right on the test split, every pass-through kept) is not met: "
    "141/172 = 0.820, pass-throughs 53/55, measured 2026-12-07 at the round-5 resolver; the four "
    "blind batches' first runs were 16/24, 24/30, 20/30 and 22/30 (evals/README.md, Follow-ups)"))
def test_the_held_out_split_meets_the_goal(conversations):
    result = score([c for c in conversations if c["split"] == "test"])
    assert result["overall"]["score"] >= 0.9, [r for r in result["rows"] if not r["right"]]
    assert result["pass_throughs"]["score"] == 1.0


def test_judge_wants_exact_pass_throughs_and_complete_rewrites():
    alone = {"follow_up": "Wer leitet Microsoft AI?", "depends": False}
    assert judge(alone, "Wer leitet Microsoft AI?")[0]
    assert not judge(alone, "Wer leitet Microsoft AI? – OpenAI")[0]
    item = {"follow_up": "Wie viel hat er investiert?", "depends": True,
            "must_contain": ["Microsoft"], "must_not_contain": ["Kapitalgeber"]}
    assert judge(item, "Wie viel hat Microsoft investiert?")[0]
    assert judge(item, "Wie viel hat Microsofts Konzern investiert?")[0]  # from a word start
    assert not judge(item, "Wie viel hat er investiert?")[0]
    assert not judge(item, "Wer ist der größte Kapitalgeber – Wie viel hat Microsoft investiert?")[0]


def test_malformed_conversations_are_named(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "x", "split": "dev", "lang": "de", "kind": "pronoun", "corpus": "none", '
                    '"turns": [{"question": "q"}], "follow_up": "f", "depends": true}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"c.jsonl:1: .*must_contain"):
        load_conversations(path)


def test_the_eval_command_writes_its_report(tmp_path, capsys):
    from tests.conftest import REPO

    out = tmp_path / "results"
    assert main(["eval", "--set", "followups", "--split", "dev", "--out", str(out),
                 "--questions", str(REPO / "evals/followups/conversations.jsonl")]) == 0
    printed = capsys.readouterr().out
    assert "Follow-ups, split dev:" in printed and "pass-throughs" in printed
    report = json.loads(next(out.glob("*-followups-dev/report.json")).read_text())
    assert report["split"] == "dev" and report["rows"] and all(r["id"].startswith("fu-") for r in report["rows"])


def test_a_standalone_message_and_no_history_pass_unchanged():
    turn = PriorTurn("Wer ist CTO von Microsoft?", "Kevin Scott ist CTO von Microsoft [1].")
    assert resolve_follow_up("Wer leitet Microsoft AI?", [turn]).text == "Wer leitet Microsoft AI?"
    assert resolve_follow_up("Wo war er vorher?", []).text == "Wo war er vorher?"
    assert not resolve_follow_up("Und wer ist an Stargate beteiligt?", [turn]).depends


@pytest.mark.slow
def test_the_issue_example_end_to_end(real_assistant):
    """Issue #31: "er" is the answer's entity, named only in the passage before the answer
    sentence; the follow-up then finds 13 Milliarden."""
    cid, first = real_assistant.chat("Wer ist der größte Kapitalgeber von OpenAI?")
    cid, second = real_assistant.chat("Wie viel hat er insgesamt investiert?", cid)
    assert "Microsoft" in second.standalone_question and "Kapitalgeber" not in second.standalone_question
    assert "13 Milliarden" in second.text and not second.refused


ISSUE_Q = "Wer ist der größte Kapitalgeber von OpenAI?"
ISSUE_A = "Das Unternehmen bleibt zudem der größte Kapitalgeber von OpenAI [1]."  # as the assistant answers


def test_a_pair_history_finds_its_answer_sentence_in_the_index(hashing_assistant):
    """An OpenAI client sends back only the answer's text: the sentence is found in the index,
    and the passage before it names whom "Das Unternehmen" means."""
    answer = hashing_assistant.ask("Wie viel hat er insgesamt investiert?", history=[(ISSUE_Q, ISSUE_A)])
    assert answer.standalone_question == "Wie viel hat Microsoft insgesamt investiert?"
    # Without [n] markers it is no answer of ours: nothing is looked up, and no name is invented.
    bare = hashing_assistant.ask("Wie viel hat er insgesamt investiert?", history=[(ISSUE_Q, ISSUE_A[:-5] + ".")])
    assert "Microsoft" not in (bare.standalone_question or "")

"""A gated backend's reply against the reader's choice (rag/answer/generation.py): for a
question about now whose newest source reports a change, the answer must cite both states."""

from __future__ import annotations

from rag.answer.citations import SupportScorer
from rag.answer.generation import answer_events
from rag.backends.base import GenerationRequest
from rag.backends.fake import FakeBackend
from test_reader import _hit, _reader

QUESTION = "Ist Microsoft heute noch exklusiver Cloud-Anbieter von OpenAI?"
OLD = _hit("old.txt", "Microsoft ist der exklusive Cloud-Anbieter von OpenAI.", date="2023-01")
NEW = _hit("new.txt", "Microsoft ist künftig nicht mehr exklusiver Cloud-Anbieter von OpenAI.", date="2025-01")


def _answer(reply: str, question: str = QUESTION, passages=(OLD, NEW)):
    """The final answer when the fake backend replies `reply` behind the reader's gate."""
    request = GenerationRequest.for_question(question, passages=list(passages))
    events = list(answer_events(question, question, request, FakeBackend([reply]), _reader({"cov": 5.0}),
                                gated=True, scorer=SupportScorer(), notices=[], embedder_id="stub"))
    assert events[-1][0] == "answer"
    return events[-1][1]


def test_an_answer_that_names_both_states_with_their_dates_is_the_models():
    reply = ("Im Januar 2023 war Microsoft der exklusive Cloud-Anbieter von OpenAI [1]. Seit Januar 2025 ist "
             "Microsoft nicht mehr exklusiver Cloud-Anbieter von OpenAI [2].")
    answer = _answer(reply)
    assert answer.backend == "fake", answer.notices
    # The dates come from the passages' headers, not their sentences, and still verify.
    assert [c.chunk.source for c in answer.citations] == ["old.txt", "new.txt"]


def test_an_answer_from_the_outdated_source_alone_gets_the_state_pair():
    answer = _answer("Microsoft ist der exklusive Cloud-Anbieter von OpenAI [1].")
    assert answer.backend == "extractive"
    assert answer.text == ("Stand 2023-01: Microsoft ist der exklusive Cloud-Anbieter von OpenAI [1]. "
                           "Stand 2025-01: Microsoft ist künftig nicht mehr exklusiver Cloud-Anbieter von OpenAI [2].")
    assert any("does not cite the state of 2025-01 (new.txt)" in n for n in answer.notices)


def test_a_question_about_the_past_asks_for_no_state_pair():
    answer = _answer("Microsoft ist der exklusive Cloud-Anbieter von OpenAI [1].",
                     question="War Microsoft 2023 der exklusive Cloud-Anbieter von OpenAI?")
    assert answer.backend == "fake"


def test_an_answer_that_restates_the_question_gets_the_readers_answer():
    passage = _hit("a.txt", "Microsoft investierte 2019 eine Milliarde Dollar in OpenAI.")
    answer = _answer("Microsoft investierte 2019 in OpenAI [1].",
                     question="Wie viel investierte Microsoft 2019 in OpenAI?", passages=[passage])
    assert answer.backend == "extractive" and "eine Milliarde Dollar" in answer.text
    assert any("only restates the question" in n for n in answer.notices)

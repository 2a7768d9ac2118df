"""Claim verification keeps a passage's facts together (rag/answer/facts.py, citations.py):
recombined claims are rejected, faithful ones kept."""

from __future__ import annotations

import pytest

from rag.answer.citations import SupportScorer, ground_answer
from rag.answer.facts import facts_held, numbers_in, roles_swapped
from rag.core.types import Chunk, Hit

PASSAGE = ("Microsoft übernahm im Jahr 2020 den Softwarehersteller Oracle. Im Jahr 2019 investierte "
           "Microsoft eine Milliarde Dollar in OpenAI. Bis Ende 2023 stieg die Summe auf 13 Milliarden "
           "Dollar. Der Konzern hält fünf Prozent an der Firma Anthropic. Ganz andere Dinge geschahen "
           "in jenem Sommer am Rhein, wo 500 Menschen feierten. Einer der Auslöser war ein Vorfall im "
           "November 2023. Zu dieser Zeit hatte Microsoft bereits 13 Milliarden US-Dollar investiert.")


def _hits(text: str = PASSAGE) -> tuple[Hit, ...]:
    return (Hit(Chunk("d:0", "d", "a.txt", "Titel", "2024-01", text, 0, len(text)), 1.0, 1),)


@pytest.mark.parametrize("claim", [
    "Oracle übernahm im Jahr 2020 den Softwarehersteller Microsoft.",  # role swap
    "Im Jahr 2019 investierte Microsoft 13 Milliarden Dollar in OpenAI.",  # number moved
    "Der Konzern hält drei Prozent an der Firma Anthropic.",  # quantity changed
    "Im Jahr 2019 feierten 500 Menschen am Rhein Microsoft.",  # facts two sentences apart
])  # fmt: skip
def test_a_recombined_claim_is_withheld(claim):
    grounded = ground_answer(f"{claim} [1]", _hits(), SupportScorer())
    assert grounded.citations == ()
    assert any("does not support" in n for n in grounded.notices)


@pytest.mark.parametrize("claim", [
    "Microsoft übernahm 2020 den Softwarehersteller Oracle.",
    "Microsoft investierte im Jahr 2019 eine Milliarde Dollar in OpenAI.",
    # "Zu dieser Zeit ..." points back to the sentence before: together they state one fact.
    "Im November 2023 hatte Microsoft bereits 13 Milliarden US-Dollar investiert.",
    "Fünf Prozent an Anthropic hält der Konzern.",
])  # fmt: skip
def test_a_faithful_claim_is_kept(claim):
    grounded = ground_answer(f"{claim} [1]", _hits(), SupportScorer())
    assert [c.n for c in grounded.citations] == [1], grounded.notices
    assert grounded.citations[0].text in PASSAGE


def test_fact_shapes():
    assert numbers_in("400.000 Euro, 1,5 Millionen, eine Milliarde, drei Prozent, 2:1") == {
        "400000", "1.5", "1", "3", "2:1"}
    assert not facts_held("Microsoft hält drei Prozent an OpenAI.", "Microsoft hält fünf Prozent an OpenAI.")
    assert facts_held("Microsoft invested one billion dollars in OpenAI in 2019.",
                      "Im Jahr 2019 kündigte Microsoft an, 1 Milliarde Dollar in OpenAI zu investieren.")
    assert roles_swapped("Oracle übernahm Microsoft.", "Microsoft übernahm Oracle.")
    # A change of voice swaps the sides legitimately.
    assert not roles_swapped("Oracle wurde von Microsoft übernommen.", "Microsoft übernahm Oracle.")


def test_the_fake_backend_reproduces_a_recombination_through_the_pipeline(corpus_assistant):
    assistant = corpus_assistant({"a.txt": PASSAGE}, llm={"backend": "fake"})
    bad = assistant.backend()
    bad.replies = ["Oracle übernahm im Jahr 2020 den Softwarehersteller Microsoft [1]."]
    answer = assistant.ask("Wen übernahm Microsoft im Jahr 2020?")
    assert answer.refused and answer.citations == ()
    bad.replies = ["Microsoft übernahm im Jahr 2020 den Softwarehersteller Oracle [1]."]
    answer = assistant.ask("Wen übernahm Microsoft im Jahr 2020?")
    assert not answer.refused and answer.citations[0].chunk.source == "a.txt"

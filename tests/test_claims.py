"""Claim verification keeps a passage's facts together (rag/answer/facts.py, citations.py):
recombined claims are rejected, faithful ones kept."""

from __future__ import annotations

import pytest

from rag.answer.citations import SupportScorer, ground_answer
from rag.answer.facts import facts_held, names_in, numbers_in, roles_swapped
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
    "Im Jahr 2019 investierte Microsoft eine Million Dollar in OpenAI.",  # scale changed
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
        "400000", "=400000", "1.5", "=1500000", "1", "=1000000000", "3", "2:1"}
    # An amount is its number with its scale: "1 million" is not "1 Milliarde".
    assert numbers_in("zehn Milliarden") == numbers_in("10 Mrd.") == {"10", "=10000000000"}
    assert "=1000000000" in numbers_in("one billion dollars") and "=1000000000000" in numbers_in("eine Billion Euro")
    assert "=400000" in numbers_in("400 Tausend") and "=400000" in numbers_in("400.000")
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


NADAL = ("London – Olympiasieger Andy Murray und der Spanier Rafael Nadal sind mit Siegen ins "
         "ATP-Saisonfinale gestartet. Im Anschluss bezwang Nadal Stan Wawrinka 6:3, 6:2. Murray "
         "setzte sich gegen David Ferrer durch.")
QUESTION = "Whom did Rafael Nadal defeat at the ATP finals in London?"
SPAN = "Im Anschluss bezwang Nadal Stan Wawrinka 6:3, 6:2."


def test_names_from_the_question_may_stand_elsewhere_in_the_passage():
    claim = "Rafael Nadal defeated Stan Wawrinka at the ATP finals in London."
    # Without the question, "Rafael", "ATP" and "London" are facts the span lacks.
    assert not facts_held(claim, SPAN)
    assert facts_held(claim, SPAN, premise=QUESTION, context=NADAL)
    # A German place adjective names the place: "Dresdner" for "Dresden".
    assert facts_held("Ralf Husmann wrote the Dresden Tatort.", "Drehbuchautor Ralf Husmann schrieb den Tatort.",
                      premise="Who wrote the Dresden Tatort?", context="die Dresdner Kommissarinnen")


@pytest.mark.parametrize("claim, span, context", [
    # The question's name pinned onto another player's win: Nadal is not in the passage.
    ("Rafael Nadal defeated Stan Wawrinka in London.", "Federer bezwang Stan Wawrinka 6:3, 6:2.",
     "London – Federer bezwang Stan Wawrinka 6:3, 6:2."),
    # A new name must be in the span itself, not elsewhere in the passage.
    ("Rafael Nadal defeated David Ferrer in London.", SPAN, NADAL),
    # A number from the question is never relaxed: the span has no 2015.
    ("In 2015 Rafael Nadal defeated Stan Wawrinka in London.", SPAN, NADAL + " Das war 2015."),
])  # fmt: skip
def test_the_question_does_not_lend_a_claim_its_new_facts(claim, span, context):
    assert not facts_held(claim, span, premise="Whom did Rafael Nadal defeat in London in 2015?", context=context)


def test_a_reply_that_only_points_at_a_passage_gets_the_extractive_answer(corpus_assistant):
    assistant = corpus_assistant({"a.txt": PASSAGE}, llm={"backend": "fake"})
    assistant.backend().replies = ["[1]"]
    answer = assistant.ask("Wie viel investierte Microsoft im Jahr 2019 in OpenAI?")
    assert answer.backend == "extractive" and not answer.refused
    assert "Milliarde" in answer.text and answer.citations[0].chunk.source == "a.txt"
    assert any("stated no answer" in n for n in answer.notices)


def test_a_gated_backend_whose_claims_all_fail_gets_the_gates_answer(corpus_assistant):
    # With the gate, the reader found the answer before the model phrased it; a wording that
    # fails verification must not turn that into a refusal, nor pass as the model's answer.
    assistant = corpus_assistant({"a.txt": PASSAGE}, llm={"backend": "fake", "extractive_gate": True})
    assistant.backend().replies = ["Oracle übernahm im Jahr 2020 den Softwarehersteller Microsoft [1]."]
    answer = assistant.ask("Wen übernahm Microsoft im Jahr 2020?")
    assert answer.backend == "extractive" and not answer.refused
    assert "Microsoft übernahm im Jahr 2020 den Softwarehersteller Oracle" in answer.text
    assert any("could be verified" in n for n in answer.notices)
    assert any("does not support" in n for n in answer.notices)  # why the model's claim was dropped


def test_a_sentence_no_passage_supports_is_not_shown():
    faithful = "Microsoft übernahm 2020 den Softwarehersteller Oracle [1]."
    # Unmarked, and a cited one whose marker fails: neither may stand beside a verified claim.
    invented = "Diese Übernahme wurde am 3. Dezember 2026 in Berlin gefeiert."
    moved = "Im Jahr 2019 investierte Microsoft 13 Milliarden Dollar in OpenAI [1]."
    grounded = ground_answer(f"{faithful} {invented} {moved}", _hits(), SupportScorer())
    assert grounded.text == faithful
    assert sum(n.startswith("Dropped") for n in grounded.notices) == 2


@pytest.mark.parametrize("text", ["am 1.2.2023 um 2:1", "Version 1.2.3 Millionen", "die Milliarde fehlt",
                                  "2:1 Millionen", "eine Billion", "Billion dollars were spent in the end"])
def test_number_shapes_that_are_no_amounts_do_not_break_extraction(text):
    assert isinstance(numbers_in(text), set)


def test_a_german_compound_is_no_name_by_its_hyphen():
    # "Stargate-Projekt" capitalises its second part because German capitalises nouns;
    # only the acronyms "US" and "KI" are names here, and the span has both.
    assert names_in("In das Stargate-Projekt fließen 500 Milliarden US-Dollar in KI-Rechenzentren.") == {"us", "ki"}
    assert facts_held("In das Stargate-Projekt fließen 500 Milliarden US-Dollar in KI-Rechenzentren.",
                      "Insgesamt 500 Milliarden US-Dollar sollen binnen vier Jahren in KI-Rechenzentren fließen.")
    assert names_in("OpenAI-Chef Altman nutzt GPT-4.") == {"openai", "gpt-4"}


def test_an_unmarked_claim_a_passage_fully_supports_embeds_no_later_passage():
    """A claim the first passage states word for word is attached to it, and no later
    passage's sentences are embedded to compare (nothing beats full support)."""
    from rag.models.embedders import HashingEmbedder

    embedder = HashingEmbedder(64)
    other = "Ganz andere Nachrichten aus Basel. Dort wurde eine Brücke eröffnet. Sie ist lang."
    hits = _hits() + (Hit(Chunk("e:0", "e", "b.txt", "Basel", "2024-02", other, 0, len(other)), 0.9, 2),)
    claim = "Der Konzern hält fünf Prozent an der Firma Anthropic."
    grounded = ground_answer(claim, hits, SupportScorer(embed=embedder.encode_queries))
    assert [c.n for c in grounded.citations] == [1] and grounded.text.endswith("[1].")
    assert embedder.queries == []  # neither the claim nor passage 2's sentences were embedded
    # Passage 2 first: its sentences must be embedded to learn that it supports the claim less.
    grounded = ground_answer(claim, hits[::-1], SupportScorer(embed=embedder.encode_queries))
    assert [c.chunk.source for c in grounded.citations] == ["a.txt"]
    assert set(embedder.queries) >= {"Ganz andere Nachrichten aus Basel.", claim}

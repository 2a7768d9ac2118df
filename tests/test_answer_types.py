"""Question analysis (`rag.answer.analysis`), sentence values (`rag.answer.reader.values`) and
the extractive rules built on them, on tiny corpora with the hashing embedder, so every
outcome follows from the words alone."""

from __future__ import annotations

import pytest

from rag.answer.analysis import analyze_question, expected_answer_type, split_question
from rag.answer.reader.values import names_in, offers_answer_type, reports_change, states_bound
from rag.core.config import ChunkingSettings
from rag.core.types import Document
from rag.ingest.chunking import chunk_document
from rag.text.sentences import refers_back


def _bound(sentence: str, question: str):
    return states_bound(sentence, analyze_question(question).whole)


def _about_now(question: str) -> bool:
    return analyze_question(question).whole.about_now


@pytest.mark.parametrize("question, kind", [
    ("Wer leitet das neue Team?", "name"),
    ("Who is Microsoft's chief technology officer?", "name"),
    ("Which US president announced it?", None),  # "which president" needs the words side by side
    ("Which president announced it?", "name"),
    ("Wie viele Mitarbeiter hat OpenAI?", "quantity"),
    ("Wann wurde OpenAI gegründet?", "time"),
    ("Warum kriselt es?", None),
])
def test_expected_answer_type(question, kind):
    assert expected_answer_type(question) == kind


def test_names_are_runs_of_capitalised_words_without_determiners():
    assert names_in("Mustafa Suleyman, der Mitbegründer, leitet nun ein Team.") == {"Mustafa Suleyman"}
    assert names_in("Angeführt von Thrive Capital.") == {"Thrive Capital"}
    # A determiner or preposition at the start is no name; one capitalised noun is none either.
    assert names_in("Dieses Team soll neue Produkte entwickeln.") == set()
    assert names_in("Im März kündigte Microsoft an, Leute zu übernehmen.") == set()


def test_a_name_answer_must_be_new():
    question = "Wer führte OpenAI, während Sam Altman entlassen war?"
    assert not offers_answer_type("Allerdings wurde Sam Altman kurzzeitig entlassen.", "name", question)
    assert offers_answer_type("Seitens Microsoft äußerte sich CTO Kevin Scott dazu.", "name", question)


def test_product_versions_are_no_amounts():
    question = "Wie viele Leute nutzten den Chatbot?"
    assert not offers_answer_type("Der Copilot-KI-Chatbot basiert aktuell auf ChatGPT 4.", "quantity", question)
    assert not offers_answer_type("Es folgte GPT-4 mit Bildern.", "quantity", question)
    assert offers_answer_type("ChatGPT hatte über eine Million Benutzer.", "quantity", question)
    assert offers_answer_type("Microsoft will 10.000 Mitarbeiter entlassen.", "quantity", question)


def test_historic_years_are_dates_and_still_amounts():
    question = "Wann veröffentlichte Luther seine Schriften?"
    assert offers_answer_type("Drei seiner Werke wurden im Jahr 1520 veröffentlicht.", "time", question)
    assert offers_answer_type("Der Leuchtturm wurde 1872 gebaut.", "time", "Wann wurde er gebaut?")
    assert not offers_answer_type("Er veröffentlichte drei Werke.", "time", question)
    assert offers_answer_type("Die Werft beschäftigt 1500 Mitarbeiter.", "quantity", "Wie viele Mitarbeiter?")


def test_a_bounded_time_question_wants_the_bound():
    assert _bound("Die bis 2030 laufende Partnerschaft.", "Bis zu welchem Jahr läuft sie?")
    assert not _bound("Die Partnerschaft begann 2019.", "Bis wann läuft sie?")
    assert _bound("Die bis 2030 laufende Partnerschaft.", "Until which year does it run?")
    assert _bound("Seit dem 3. März gilt das.", "Seit wann gilt das?")
    assert _bound("Es gilt seit 2019.", "Wann wurde das beschlossen?") is None


def test_pointing_back_and_change_cues():
    assert refers_back("Dieses Team soll neue KI-Technologien entwickeln.")
    assert refers_back("Zu dieser Zeit hatte Microsoft bereits investiert.")
    assert not refers_back("Die Partnerschaft begann 2019.")
    assert _about_now("Wie ist das Verhältnis inzwischen?")
    assert _about_now("Ist Microsoft der exklusive Cloud-Anbieter?")  # a yes/no question
    assert not _about_now("Wann begann die Partnerschaft?")
    assert reports_change("Microsoft wird künftig nicht mehr exklusiver Anbieter sein.")
    assert not reports_change("Microsoft ist der exklusive Anbieter.")


def test_subject_terms_are_the_capitalised_words_after_the_first():
    assert analyze_question("Wie viele Mitarbeiter hat OpenAI?").whole.subject_terms == {"mitarbeit", "openai"}
    # "im Jahr 2015": the year is a term, the word "Jahr" is not.
    terms = analyze_question("Wie viele Interceptions gab es im Jahr 2015?").whole.topic_terms
    assert "2015" in terms and "jahr" not in terms


def test_split_question():
    assert split_question("Wie viel investierte Microsoft, und wer leitet das Team?") == [
        "Wie viel investierte Microsoft?", "wer leitet das Team?"]
    assert split_question("Wer leitet das Team?") == ["Wer leitet das Team?"]


def test_a_chunk_opening_with_a_back_reference_carries_its_antecedent():
    antecedent = "Mustafa Suleyman, der frühere Chef eines Start-ups, leitet nun ein neues Team bei Microsoft."
    text = ("Erster Satz über etwas ganz anderes, der den Chunk füllt und füllt und füllt. " * 2
            + antecedent + " Dieses Team soll neue Produkte für Verbraucher entwickeln.")
    doc = Document(doc_id="d", source="d.txt", title="T", date=None, text=text, content_hash="h")
    settings = ChunkingSettings(chunk_size=260, chunk_overlap=40)
    chunks = chunk_document(doc, settings)
    opening = [c for c in chunks if "Dieses Team" in c.text]
    # The antecedent is longer than the overlap, yet it is repeated before "Dieses Team".
    assert len(antecedent) > settings.chunk_overlap
    assert all(c.text.startswith(antecedent) for c in opening)
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)


def test_compound_questions_retrieve_each_part(corpus_assistant):
    assistant = corpus_assistant({
        "a.txt": "Der Leuchtturm von Kalmarsund wurde 1872 aus rotem Granit gebaut.",
        "b.txt": "Ein Laib Bergkäse der Käserei Oberried reift vierzehn Monate.",
        "c.txt": "Der Museumsverein bietet im Sommer Führungen im Leuchtturm an.",
        "d.txt": "Der Leuchtturm erhielt 1950 ein neues Licht aus Granit und Glas.",
    })
    question = "Wann wurde der Leuchtturm aus Granit gebaut, und wie lange reift ein Laib Bergkäse?"
    from rag.retrieval.retriever import Retriever

    retriever = Retriever(assistant.index(), assistant.embedder, assistant.settings.retrieval)
    hits = retriever.search_question(analyze_question(question), k=2)
    assert {h.chunk.source for h in hits} == {"a.txt", "b.txt"}
    assert [h.rank for h in hits] == [1, 2]

"""The question's focus, clauses, and a value about the focus in one clause (rag/answer/focus.py)."""

from __future__ import annotations

import pytest

from rag.answer.analysis import analyze_question
from rag.answer.focus import clauses, focus_next_to_value, focus_with_value, question_focus
from rag.text.terms import tokenize


@pytest.mark.parametrize("question, word", [
    ("Wie viele Passagiere waren an Bord?", "Passagiere"),
    ("Wie viele neue Arbeitsplätze entstehen in Linz?", "Arbeitsplätze"),
    ("Wie hoch ist das Jahresgehalt von Max Muster?", "Jahresgehalt"),
    ("Wann landete Apollo 11 auf dem Mond?", "landete"),
    ("Wer ist CEO von Microsoft?", "CEO"),
    ("Wer ist der größte Kapitalgeber von OpenAI?", "Kapitalgeber"),
    ("Wann wurde OpenAI gegründet?", "gegründet"),
    ("In welchem Jahr wurde die Firma gegründet?", "gegründet"),
    ("Welchen Anteil an OpenAI soll Microsoft erhalten haben?", "Anteil"),
    ("Wie viel hat Microsoft 2019 in OpenAI investiert?", "investiert"),
    ("Wie viel kostet das Ticket?", "kostet"),
    ("Wie heißt der Konzernchef von Microsoft?", "Konzernchef"),
    ("Wer leitet Microsoft AI?", "leitet"),
])
def test_the_focus_is_what_the_question_word_asks_about(question, word):
    assert question_focus(question) == tuple(tokenize(word))


def test_an_english_question_has_no_focus_in_a_german_corpus():
    assert question_focus("How many passengers were on board?", "en") == ()
    assert analyze_question("How many passengers were on board?").whole.focus == ()


def test_clauses_split_at_commas_and_conjunctions_but_not_inside_numbers():
    assert clauses("Die Zahl der Passagiere stieg um 1,5 Prozent, während der Umsatz auf 5.000 Euro fiel.") == [
        "Die Zahl der Passagiere stieg um 1,5 Prozent", "während der Umsatz auf 5.000 Euro fiel."]
    assert clauses("Ein Satz ohne Nebensatz.") == ["Ein Satz ohne Nebensatz."]


@pytest.mark.parametrize("sentence, holds", [
    ("An Bord waren 155 Passagiere.", True),
    # The number belongs to another clause: it says nothing about the passengers.
    ("Die Passagiere blieben unverletzt, während 3 Crew-Mitglieder verletzt wurden.", False),
    # The topic and a number, but not the focus: a near miss.
    ("Der Airbus hatte im Jahr 2005 seinen Erstflug mit 20 Testpiloten.", False),
])
def test_a_value_counts_only_in_a_clause_about_the_focus(sentence, holds):
    q = "Wie viele Passagiere waren an Bord des Airbus?"
    part = analyze_question(q).whole
    assert focus_with_value(sentence, part.focus, part.expected, q) is holds


def test_a_name_answers_a_who_question_only_with_the_focus_beside_it():
    q = "Wer ist der größte Kapitalgeber von OpenAI?"
    part = analyze_question(q).whole
    assert focus_with_value("Größter Kapitalgeber bleibt Microsoft mit Satya Nadella.", part.focus, part.expected, q)
    assert not focus_with_value("Sam Altman leitet OpenAI, das Kapital kommt von vielen.", part.focus,
                                part.expected, q)


@pytest.mark.parametrize("sentence, holds", [
    ("An Bord waren 1.200 Passagiere und 20 Crew-Mitglieder.", True),
    # One clause with the focus and a number, but the number counts something else.
    ("Die Passagiere des Airbus, der im Jahr 2005 mit 20 Testpiloten seinen Erstflug hatte, jubelten.", False),
    # The question's own number is no answer.
    ("Der Airbus A380 flog mit Passagieren.", False),
])
def test_a_value_next_to_the_focus_is_about_it(sentence, holds):
    q = "Wie viele Passagiere waren an Bord des Airbus A380?"
    part = analyze_question(q).whole
    assert focus_next_to_value(sentence, part.focus, part.expected, q) is holds


def test_a_new_name_next_to_the_focus_answers_a_who_question():
    q = "Wer ist CEO von Microsoft?"
    part = analyze_question(q).whole
    assert focus_next_to_value("Microsoft-CEO Satya Nadella sagte, man plane weiter.", part.focus, part.expected, q)
    assert not focus_next_to_value("Der CEO von Microsoft sprach lange mit Sam Altman und vielen anderen Gästen.",
                                   part.focus, part.expected, q)

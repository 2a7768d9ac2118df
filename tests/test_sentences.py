"""Sentence spans (rag/text/sentences.py): spaCy's sentencizer plus the news rules, on the
cases that broke answers (German numbers, ordinals and dates, abbreviations, quotes)."""

from __future__ import annotations

import pytest

from rag.text.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize("text, expected", [
    # German numbers with thousands separators and decimals are never cut.
    ("Die Zahl der Arbeitslosen stieg auf 400.000 Arbeitslose im Jänner. Das ist ein Rekord.",
     ["Die Zahl der Arbeitslosen stieg auf 400.000 Arbeitslose im Jänner.", "Das ist ein Rekord."]),
    ("Er zahlte beinahe 300.000 Euro. Danach ging er.", ["Er zahlte beinahe 300.000 Euro.", "Danach ging er."]),
    ("Der Umsatz betrug 23,5 Millionen Euro im Jahr.", ["Der Umsatz betrug 23,5 Millionen Euro im Jahr."]),
    # Ordinals and dates.
    ("Am 1. Mai demonstrierten Tausende. Am 14. Juli 2015 war es ruhig.",
     ["Am 1. Mai demonstrierten Tausende.", "Am 14. Juli 2015 war es ruhig."]),
    ("Die 3. Liga spielt am Sa. 20. Februar. Das Spiel beginnt um 15.30 Uhr.",
     ["Die 3. Liga spielt am Sa. 20. Februar.", "Das Spiel beginnt um 15.30 Uhr."]),
    ("Am 20. Jänner kam er. Der Zug fuhr auf Gleis 92. Der Rest blieb.",
     ["Am 20. Jänner kam er.", "Der Zug fuhr auf Gleis 92.", "Der Rest blieb."]),
    # A year, a score or a large number before a capitalised word ends the sentence.
    ("Er ist seit 1985. Sie seit 1990. Das Spiel endete 2:1. Danach jubelten alle.",
     ["Er ist seit 1985.", "Sie seit 1990.", "Das Spiel endete 2:1.", "Danach jubelten alle."]),
    ("Die Zahl stieg auf 1.500. Danach sank sie.", ["Die Zahl stieg auf 1.500.", "Danach sank sie."]),
    # Abbreviations.
    ("Das gilt u. a. für Banken, d. h. für alle Institute. Z. B. die Erste Bank.",
     ["Das gilt u. a. für Banken, d. h. für alle Institute.", "Z. B. die Erste Bank."]),
    ("Das betrifft z.B. Wien und ca. 30 Gemeinden. Dr. Müller sagte das.",
     ["Das betrifft z.B. Wien und ca. 30 Gemeinden.", "Dr. Müller sagte das."]),
    ("Microsoft investierte 2019 1 Mrd. US-Dollar in OpenAI. Die Summe stieg später.",
     ["Microsoft investierte 2019 1 Mrd. US-Dollar in OpenAI.", "Die Summe stieg später."]),
    # Quotes stay with their sentence; glued sentences are split.
    ("„Das ist falsch“, sagte er. „Wir werden klagen.“ Danach ging er.",
     ["„Das ist falsch“, sagte er.", "„Wir werden klagen.“", "Danach ging er."]),
    ('Er sagte: "Wir gehen." Dann ging er.', ['Er sagte: "Wir gehen."', "Dann ging er."]),
    ('betreiben."Dazu kommt mehr.', ['betreiben."', "Dazu kommt mehr."]),
    ("Satz eins.Der zweite Satz folgt.", ["Satz eins.", "Der zweite Satz folgt."]),
    # A line break ends a headline; datelines and numbered headings stay inside.
    ("Überschrift ohne Punkt\nErster Satz des Artikels. Zweiter Satz.",
     ["Überschrift ohne Punkt", "Erster Satz des Artikels.", "Zweiter Satz."]),
    ("Wien – Die Regierung hat am Montag beschlossen. Berlin/Ankara – Die Gespräche laufen.",
     ["Wien – Die Regierung hat am Montag beschlossen.", "Berlin/Ankara – Die Gespräche laufen."]),
    ("1. Quartal: Der Umsatz stieg. 2. Quartal: Er fiel.", ["1. Quartal: Der Umsatz stieg.", "2. Quartal: Er fiel."]),
])  # fmt: skip
def test_german_news_sentences(text, expected):
    assert split_sentences(text) == expected


def test_english_abbreviations():
    assert split_sentences("Mr. Smith paid $1.5 billion in Jan. 2024. It was the U.S. record.", language="en") == [
        "Mr. Smith paid $1.5 billion in Jan. 2024.", "It was the U.S. record."]


def test_offsets_are_exact_and_trimmed():
    text = "  Erster Satz.\n\n  Zweiter Satz mit 400.000 Euro.  \nDritter Satz"
    spans = sentence_spans(text, offset=10)
    assert [text[s - 10:e - 10] for s, e in spans] == [
        "Erster Satz.", "Zweiter Satz mit 400.000 Euro.", "Dritter Satz"]


def test_citation_markers_stay_with_their_sentence():
    assert split_sentences("Microsoft erhält 49 Prozent [1]. Der Deal ist groß [1, 2]! [3]") == [
        "Microsoft erhält 49 Prozent [1].", "Der Deal ist groß [1, 2]! [3]"]

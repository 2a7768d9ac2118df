"""The general rules of follow-up resolution added in round 4 (rag/answer/), each on a
conversation that is in no split of evals/followups/ (the set scores them; these name the rule)."""

from __future__ import annotations

import pytest

from rag.answer.condense import PriorTurn, resolve_follow_up


def _resolve(question: str, answer: str, follow_up: str) -> str:
    return resolve_follow_up(follow_up, [PriorTurn(question, answer)]).text


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # a question phrase replaces the question phrase
    ("Wie viele Mitarbeiter hat die Firma Zumtobel?", "Zumtobel beschäftigt 5.800 Menschen [1].",
     "Und wie viele Standorte?", "wie viele Standorte hat", "Mitarbeiter"),
    # a German genitive name stays when the fragment names none
    ("Wie stark ist der Umsatz Spaniens gewachsen?", "Er wuchs um 3 Prozent [1].",
     "Und der Export?", "Spaniens", "Umsatz"),
    ("Wie stark sind Italiens Schulden gestiegen?", "Sie stiegen um 2 Prozent [1].",
     "Was ist mit den Einnahmen?", "Italiens Einnahmen", "Schulden"),
    # "Wie sieht es in X aus?" is an ellipsis
    ("Wie hoch ist die Inflation in Österreich?", "Sie liegt bei 2,1 Prozent [1].",
     "Wie sieht es in Ungarn aus?", "Inflation in Ungarn", "Österreich"),
    # an unknown bare noun in a German fragment is a name; each phrase finds its parallel
    ("Wie viele Tore schoss Haaland für Manchester City?", "Erling Haaland schoss 36 Tore [1].",
     "Und Kane für Bayern?", "Kane für Bayern", "Manchester"),
])
def test_parallel_ellipsis(question, answer, follow_up, want, unwanted):
    out = _resolve(question, answer, follow_up)
    assert want.casefold() in out.casefold() and unwanted.casefold() not in out.casefold(), out


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # a kind noun prefers the name introduced by a noun of its kind
    ("Who bought the app Runtastic?", "The German sportswear group Adidas bought Runtastic [1].",
     "How large is the company?", "Adidas", "German"),
    # the kind noun's own word stays when it introduced the name
    ("Welche Bank streicht Stellen?", "Die Bank Burgenland streicht 40 Stellen [1].",
     "Wer leitet die Bank?", "die Bank Burgenland", None),
    # a noun after "Article Noun" before a main clause's verb is that noun's name (verb second)
    ("Welche Bank streicht Stellen?", "Die Bank Gutmann streicht 40 Stellen [1].",
     "Wer leitet die Bank?", "die Bank Gutmann", None),
    # a place noun between the preposition and the name: still a place, and no person
    ("Wo bebte die Erde?", "Das Beben traf die Provinz Kahramanmaras in der Türkei [1].",
     "Wie viele Menschen leben dort?", None, "dort"),
    ("Wo liegt das Werk?", "Das Werk liegt in der Gemeinde Lenzing in Oberösterreich [1].",
     "Wie viele Menschen arbeiten dort?", "Lenzing", "Oberösterreich"),
    # a pronoun and a kind noun of one question mean two things
    ("Which airline did Lufthansa buy in 2009?", "Lufthansa took over Austrian Airlines in 2009 [1].",
     "How much did it pay for the airline?", "Lufthansa", None),
    # "Wer ist Chef von X?" asks for a person; X after the role noun is the company
    ("Wer ist Chef von Tata Steel?", "T. V. Narendran leitet Tata Steel [1].",
     "Wie viele Mitarbeiter hat das Unternehmen?", "Tata Steel", "Narendran"),
    # German er/sie with no name: the last question's noun phrase of that gender
    ("Wann wurde die Brücke gebaut?", "Sie wurde 1975 eröffnet [1].", "Wie lang ist sie?", "die Brücke", None),
    ("Wann wurde der Vertrag unterzeichnet?", "Er wurde 2020 unterzeichnet [1].", "Wie lange läuft er?",
     "der Vertrag", None),
    ("Wie viele Mitarbeiter hat die Voestalpine?", "Die Voestalpine beschäftigt rund 51.000 Menschen [1].",
     "Und wie viel Umsatz macht sie?", "die Voestalpine", None),
    # a clause-final English "then" is a time reference
    ("When did Austria join the EU?", "Austria joined the European Union in 1995 [1].",
     "Who was chancellor then?", "1995", "then"),
])
def test_references(question, answer, follow_up, want, unwanted):
    out = _resolve(question, answer, follow_up)
    assert out != follow_up
    assert want is None or want.casefold() in out.casefold(), out
    assert unwanted is None or unwanted.casefold() not in out.casefold(), out


@pytest.mark.parametrize("question, answer, follow_up", [
    ("Wie viele Einwohner hat Linz?", "Linz hat rund 210.000 Einwohner [1].", "Und wie funktioniert ein Hybridauto?"),
    ("Who founded SpaceX?", "Elon Musk founded SpaceX in 2002 [1].", "And how many people work at Airbus?"),
    ("Wer leitet die OMV?", "Alfred Stern leitet die OMV [1].", "Wie viele Menschen leben heute in Kärnten?"),
])
def test_standalones_still_pass(question, answer, follow_up):
    assert _resolve(question, answer, follow_up) == follow_up

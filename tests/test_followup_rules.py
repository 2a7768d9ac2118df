"""The general rules of follow-up resolution added in round 4 (rag/answer/), each on a
conversation that is in no split of evals/followups/ (the set scores them; these name the rule)."""

from __future__ import annotations

import pytest

from rag.answer.condense import PriorTurn, resolve_follow_up


def _resolve(question: str, answer: str, follow_up: str) -> str:
    return resolve_follow_up(follow_up, [PriorTurn(question, answer)]).text


def _assert_resolved(question: str, answer: str, follow_up: str, want: str | None, unwanted: str | None) -> str:
    out = _resolve(question, answer, follow_up)
    assert want is None or want.casefold() in out.casefold(), out
    assert unwanted is None or unwanted.casefold() not in out.casefold(), out
    return out


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
    _assert_resolved(question, answer, follow_up, want, unwanted)


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
    assert _assert_resolved(question, answer, follow_up, want, unwanted) != follow_up


@pytest.mark.parametrize("question, answer, follow_up", [
    ("Wie viele Einwohner hat Linz?", "Linz hat rund 210.000 Einwohner [1].", "Und wie funktioniert ein Hybridauto?"),
    ("Who founded SpaceX?", "Elon Musk founded SpaceX in 2002 [1].", "And how many people work at Airbus?"),
    ("Wer leitet die OMV?", "Alfred Stern leitet die OMV [1].", "Wie viele Menschen leben heute in Kärnten?"),
])
def test_standalones_still_pass(question, answer, follow_up):
    assert _resolve(question, answer, follow_up) == follow_up


# Round 5 (rag/answer/salience.py and its users): each rule on conversations in no split.
@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # a source after "laut" / "according to" is not what a pronoun means
    ("Wer moderiert die neue Quizshow?", "Laut Armin Wolf moderiert Mirjam Weichselbraun die Show [1].",
     "Wie lange arbeitet sie schon beim ORF?", "Mirjam Weichselbraun", "Wolf"),
    ("Who will coach the national team?", "According to Fabrizio Romano, Thomas Tuchel will coach England [1].",
     "Where did he coach before?", "Thomas Tuchel", "England"),
    # nor the subject of a reporting verb: the reported clause is the news
    ("Wer führt die Umfragen in Graz an?", "Claudia Gigler berichtet, dass Elke Kahr die Umfragen anführt [1].",
     "Seit wann ist sie Bürgermeisterin?", "Elke Kahr", "Gigler"),
    ("Who won the Booker Prize?", "Sarah Shaffi reports that Samantha Harvey won the prize [1].",
     "What is her novel about?", "Samantha Harvey", "Shaffi"),
    ("Wer hat den Preis bekommen?", "Den Preis bekam Clemens Setz, wie Peter Fässler meldet [1].",
     "Wie alt ist er?", "Clemens Setz", "Fässler"),
    ("Who painted the mural?", "Jonathan Jones reported that the mural was painted by Shepard Fairey [1].",
     "How old is he?", "Shepard Fairey", "Jones"),
    # a core argument before the names of a prepositional phrase ("ahead of X and Y")
    ("Who won the sprint?", "Ahead of Zharnel Hughes and Letsile Tebogo, Noah Lyles won the final in Budapest [1].",
     "How old is he?", "Noah Lyles", "Hughes"),
])
def test_a_pronoun_means_the_answers_most_prominent_name(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # "it"/"es" means what answered the question: an answer that repeats the question's verb ...
    ("What did Microsoft present?", "At its Build conference in Seattle, Microsoft presented the Surface Laptop 7 [1].",
     "How much does it cost?", "Surface Laptop 7", "Build"),
    # ... or the name the question's noun introduces
    ("Welches Buch wurde ausgezeichnet?", "Bei der Buchmesse in Frankfurt zeichnete die Jury das Buch Kairos aus [1].",
     "Wovon handelt es?", "Kairos", "Frankfurt"),
    # a German pronoun means a person or a thing of its gender, the more prominent first ("der SK Sturm": er)
    ("Wer führt die Tabelle an?", "Laut Kurier führt der SK Sturm die Tabelle vor Red Bull Salzburg an [1].",
     "Wie viele Punkte hat er Vorsprung?", "SK Sturm", "Salzburg"),
    # a German pronoun with no person to mean: a thing of its gender ("die Studie ...": sie)
    ("Was hat Mercedes vorgestellt?", "Auf der IAA in München hat Mercedes die Studie Vision EQXX vorgestellt [1].",
     "Wann kommt sie auf den Markt?", "Vision EQXX", "Mercedes"),
])
def test_it_means_what_answered_the_question(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # dort/there: where the answer's event happens, not a relative clause's place ...
    ("Who opened the new plant?", "Tim Cook, who grew up in Alabama, opened the plant in Cork [1].",
     "How many people work there?", "Cork", "Alabama"),
    # ... nor a source's ...
    ("Wer hat die Fabrik eröffnet?", "Wie ein Sprecher in Wolfsburg sagte, eröffnete Oliver Blume die Fabrik in Zwickau [1].",
     "Wie viele Autos werden dort gebaut?", "Zwickau", "Wolfsburg"),
    # ... nor a person's origin ("aus X"); and a name after "in" is no person for "er"
    ("Wer gewann den Slalom?", "Der Norweger Henrik Kristoffersen aus Drammen gewann in Kitzbühel vor Manuel Feller [1].",
     "Wie oft hat er dort schon gewonnen?", "in Kitzbühel", "Drammen"),
])
def test_there_is_where_the_answers_event_happens(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # damals/then: the answer's date, not a year the question names
    ("Welche Kirche brannte laut dem Bericht von 2020 in Paris?", "Im April 2019 brannte die Kathedrale Notre-Dame [1].",
     "Wer war damals Präsident Frankreichs?", "April 2019", "2020"),
    ("Who did the 1990 book say opened the border?", "Günter Schabowski opened the border in November 1989 [1].",
     "Who led East Germany then?", "1989", "1990"),
    # a range dates no one event: the question's own year
    ("Wer war 2005 Trainer von Rapid?", "Josef Hickersberger trainierte Rapid von 2002 bis 2005 [1].",
     "Wer war damals Präsident des Vereins?", "2005", "2002"),
])
def test_then_is_the_answers_date(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


@pytest.mark.parametrize("question, answer, follow_up", [
    # "dafür"/"dazu" bound by a noun of an earlier clause of the question
    ("Wie viel kostet eine Wärmepumpe?", "Eine Wärmepumpe kostet rund 20.000 Euro [1].",
     "Welche Förderung gibt es für Solaranlagen und wie viel bekommt man dafür?"),
    # "dort" bound by a name of one word in an earlier clause, with no preposition
    ("Wer ist Bürgermeister von Graz?", "Elke Kahr ist Bürgermeisterin von Graz [1].",
     "Wie viele Studierende hat Salzburg und wo wohnen sie dort?"),
    # ... or by a name after "bei": "dort" may mean an employer
    ("Welche Firma baut das Werk?", "Infineon baut das Werk in Villach [1].",
     "Wie viele Menschen arbeiten bei Magna und was verdient man dort?"),
    # a pronominal adverb that stands for the clause after it ("dazu ..., dass")
    ("Wann kommt das neue Galaxy?", "Es kommt im Februar [1].",
     "Was hat Xiaomi dazu gesagt, dass Samsung die Preise senkt?"),
    # "kommen" is impersonal with "zu"
    ("Wie kam es zum Streik?", "Die Gewerkschaft forderte mehr Lohn [1].", "Wie kam es zum Streik bei der Post?"),
])
def test_references_bound_in_their_own_question_stay(question, answer, follow_up):
    assert _resolve(question, answer, follow_up) == follow_up


def test_es_with_a_verb_impersonal_only_in_its_frame_is_a_reference():
    # "Wann kommt es auf den Markt?" is no "Wie kam es dazu?"
    out = _resolve("Was kostet das neue Album?", "Das Album kostet 20 Euro [1].", "Wann kommt es in den Handel?")
    assert "Album" in out, out


def test_salience_parts():
    from rag.answer.salience import backgrounded, gender_of, in_focus, place_rank, prominence

    text = "Laut Kurier moderiert Mirjam Weichselbraun die Show, die Armin Assinger erfand."
    assert backgrounded(text, text.index("Kurier")) and backgrounded(text, text.index("Armin"))
    assert prominence(text, text.index("Mirjam")) == 0
    text = "At the Unpacked event in Seoul, Samsung unveiled the Galaxy Z Fold 6."
    assert prominence(text, text.index("Unpacked")) == 1 and prominence(text, text.index("Galaxy")) == 0
    assert in_focus("What did Samsung unveil?", text, text.index("Galaxy")) == 1
    assert in_focus("Who unveiled it?", text, text.index("Galaxy")) == 0
    text = "Feller aus Schladming siegte in Adelboden."
    assert place_rank(text, text.index("Adelboden")) < place_rank(text, text.index("Schladming"))
    text = "Auf der Messe zeigte Sony das Modell Xperia und die Kamera Alpha."
    assert gender_of(text, text.index("Xperia")) == "n" and gender_of(text, text.index("Alpha")) == "f"
    assert gender_of(text, text.index("Sony")) == "n"  # no article: neuter


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # English "they" for a team the answer names, not for every name "ahead of" it
    ("Which club won the league?", "Celtic won the league ahead of Rangers and Hearts [1].",
     "Who is their coach?", "Celtic", "Rangers"),
    # a version number belongs to the name before it
    ("What did Meta release?", "Meta released the Llama 3.1 model in July [1].", "How large is it?", "Llama 3.1", None),
    # a period between letters and a digit ends no sentence ("ID.4")
    ("Welches Auto baut VW in Emden?", "In Emden baut VW den ID.4 [1].", "Wie viel kostet er?", "ID.4", None),
    # a date of an adverbial clause is not when the answer's event happened
    ("Wer gewann 2022 die Tour?", "Jonas Vingegaard gewann die Tour, nachdem er 2021 Zweiter geworden war [1].",
     "Wie alt war er damals?", "2022", "2021"),
])
def test_groups_names_and_dates_of_the_answer(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # dort with no "in X" name: the answer's "in"/"im" phrase of a venue, not a person's origin
    ("Wer hat die Gala moderiert?", "Die Moderatorin Barbara Schöneberger aus Berlin moderierte die Gala im Wiener Burgtheater [1].",
     "Wie viele Gäste waren dort?", "Burgtheater", "Berlin"),
    # "there" with no place in the answer: the question's own name, not an answer's non-place
    ("Which artists headline Coachella?", "Lady Gaga and Green Day headline, while Charli XCX closes Sunday [1].",
     "How many people attend there?", "Coachella", "Charli"),
    # a date after "ab"/"seit" starts a state: the question's own year is the one meant (a guard: answer dates come first now)
    ("Wer war 2015 Kanzler, als die Flüchtlingskrise begann?", "Angela Merkel war ab November 2005 Kanzlerin [1].",
     "Wie viele Asylanträge gab es damals?", "2015", "2005"),
    # a sentence-initial name joined by "and" to a name
    ("Which bands play the final night?", "Muse and Florence Welch play the final night [1].",
     "When did they last tour together?", "Muse", None),
])
def test_place_time_and_names_round5b(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


def test_sie_is_bound_by_a_feminine_name_of_its_question():
    follow_up = "Wie viele Flüge hat die Lufthansa 2019 gestrichen und wie viele Piloten hatte sie damals?"
    assert _resolve("Wer leitet die AUA?", "Annette Mann leitet die AUA [1].", follow_up) == follow_up


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # a source before "zufolge", or after "nach Informationen"
    ("Wer wird Chef der Notenbank?", "Dem Kurier zufolge bleibt Robert Holzmann Gouverneur [1].",
     "Wie alt ist er?", "Robert Holzmann", "Kurier"),
    ("Wer übernimmt das Ministerium?", "Nach Informationen von Peter Pilz übernimmt Leonore Gewessler das Ressort [1].",
     "Welche Partei vertritt sie?", "Leonore Gewessler", "Pilz"),
    # a plural German verb in -eln/-ern ("verhandeln"), and a name joined to a name ("die EU und der Mercosur")
    ("Wer verhandelt über den Zoll?", "Die USA und der Mercosur verhandeln seit Mai [1].",
     "Worüber verhandeln sie genau?", "Mercosur", None),
    # a role is a common noun ("the CEO"): a bare name replaces the name
    ("Who is the CEO of Airbus?", "Guillaume Faury is the CEO of Airbus [1].", "What about Boeing?", "CEO of Boeing", "Airbus"),
    # a name of letters and digits ("i7"), and a year alone is a date
    ("Welches Auto hat BMW gezeigt?", "BMW zeigte den neuen i7 [1].", "Wie viel kostet er?", "i7", None),
    ("Wie viele Touristen kamen 2023 nach Tirol?", "2023 kamen 12 Millionen Gäste nach Tirol [1].", "Und 2019?", "2019", "2023"),
])
def test_sources_plurals_roles_and_names(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


def test_a_german_pronoun_never_takes_a_name_of_another_gender():
    # "der FAZ" after a noun is a genitive feminine: no "er", so it stays unresolved rather than wrong
    out = _resolve("Wer wird neuer Chef des Gremiums?", "Nach Informationen der FAZ wird ein Externer Chef [1].",
                   "Wie alt ist er?")
    assert "FAZ" not in out, out


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # an answer whose words do not tell its language is read in the conversation's: "while ..." is background
    ("Where did the ministers meet?", "Ministers met in Porto Alegre, while farmers marched in Curitiba [1].",
     "Who chaired the meeting there?", "Porto Alegre", "Curitiba"),
    # a date in a time phrase dates the event; one before a noun names a thing
    ("Who received the Booker Prize?", "Paul Lynch accepted the 2023 award in November 2023 in London [1].",
     "Who judged the prize then?", "November 2023", None),
    ("Who received the award?", "Jane Smith received the 2020 medal in March 2021 [1].",
     "Who presented it then?", "2021", "2020"),
    # a double surname is a person's
    ("Wen unterstützt die SPÖ in Wien?", "Die SPÖ unterstützt Kathrin Gaál-Berger, deren Kampagne Peter Huber leitet [1].",
     "Seit wann ist sie Stadträtin?", "Gaál-Berger", "Huber"),
])
def test_language_time_phrases_and_double_names(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


@pytest.mark.parametrize("question, answer, follow_up, want, unwanted", [
    # the first clause answers the question: its name before a later clause's subject
    ("Wer hat den Riesentorlauf gewonnen?", "Der Sieg ging an Marco Odermatt, Zweiter wurde Loïc Meillard [1].",
     "Wie alt ist er?", "Marco Odermatt", "Meillard"),
    # a German first name and a double surname are one name
    ("Wer führt die Grünen in Tirol?", "Die Grünen schicken Petra Wohlfahrtstätter-Müller ins Rennen [1].",
     "Seit wann ist sie Landessprecherin?", "Wohlfahrtstätter-Müller", None),
    # dort: an opera house is a venue
    ("Wo fand die Gala statt?", "Die Gala fand in der Grazer Oper statt, Gäste kamen aus Mailand [1].",
     "Wie viele Plätze gibt es dort?", "Oper", "Mailand"),
])
def test_clause_order_double_names_and_venues(question, answer, follow_up, want, unwanted):
    _assert_resolved(question, answer, follow_up, want, unwanted)


def test_a_plural_is_bound_by_the_question_phrase_of_an_earlier_clause():
    follow_up = "How many people live in Ohio and how many of them voted?"
    assert _resolve("Who won the Super Bowl?", "The Philadelphia Eagles won [1].", follow_up) == follow_up

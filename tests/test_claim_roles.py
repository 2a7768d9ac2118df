"""Issue 34: claim verification knows who did what to whom (rag/answer/roles.py, clauses.py)
and reads a sentence under its headline (rag/answer/support.py).

Each case is a reply of the scripted `fake` backend over the real seed article it recombines,
asked through the whole pipeline; the faithful wording of the same fact must still pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.clauses import AGENT, OF, PATIENT, TARGET, clauses
from rag.answer.roles import role_conflict

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _asker(corpus_assistant, seed: str):
    """ask(question, reply): the pipeline over one seed, the fake backend replying `reply`."""
    assistant = corpus_assistant({seed: (SEEDS / seed).read_text(encoding="utf-8")}, llm={"backend": "fake"})

    def ask(question: str, reply: str):
        assistant.backend().replies = [reply]
        return assistant.ask(question)

    return ask


CASES = [
    # A stake from B to A where the passage says from A to B, both names in one sentence.
    ("002_6df6d283adceccb0.txt", "Welche Beteiligung strebt Microsoft an OpenAI an?",
     "Quellen zufolge strebt OpenAI eine Beteiligung von 49 % an Microsoft an [1].",
     "Quellen zufolge strebt Microsoft eine Beteiligung von 49 % an OpenAI an [1]."),
    # An expected loss given to a company the passage names, not as the one with the loss.
    ("004_878f3f8685ed7ceb.txt", "Welchen Verlust erwartet OpenAI für 2024?",
     "Microsoft erwartet für das Jahr 2024 einen Verlust von rund fünf Milliarden Dollar [1].",
     "OpenAI erwartet für das Jahr 2024 einen Verlust von rund fünf Milliarden Dollar [1]."),
    # A round "led by" a company the passage names only as taking part.
    ("004_878f3f8685ed7ceb.txt", "Wer führte die Finanzierungsrunde von OpenAI an?",
     "Die Finanzierungsrunde von OpenAI über 6,6 Milliarden Dollar wurde von Microsoft angeführt [1].",
     "Die Finanzierungsrunde von OpenAI über 6,6 Milliarden Dollar wurde von Thrive Capital angeführt [1]."),
]


@pytest.mark.parametrize("seed, question, fabricated, faithful", CASES)
def test_a_recombined_role_is_withheld_and_the_faithful_claim_kept(corpus_assistant, seed, question,
                                                                   fabricated, faithful):
    ask = _asker(corpus_assistant, seed)
    answer = ask(question, fabricated)
    assert answer.refused and answer.citations == (), answer.text
    assert any("does not support" in n for n in answer.notices)
    answer = ask(question, faithful)
    assert not answer.refused and answer.citations[0].chunk.source == seed, answer.notices


def test_a_claim_may_take_the_headlines_subject_into_the_body_sentence(corpus_assistant):
    # "OpenAI arbeitet mit Oracle zusammen" heads "Ursprünglich sollte Microsoft exklusiv die
    # Computing-Ressourcen für das KI-Unternehmen bereitstellen."
    ask = _asker(corpus_assistant, "004_878f3f8685ed7ceb.txt")
    question = "Wer sollte ursprünglich die Computing-Ressourcen bereitstellen?"
    answer = ask(question, "Ursprünglich sollte Microsoft exklusiv die Computing-Ressourcen für OpenAI bereitstellen [1].")
    assert not answer.refused, answer.notices
    assert answer.citations[0].text.startswith("Ursprünglich sollte Microsoft exklusiv")
    # The headline's other name is no subject to borrow.
    answer = ask(question, "Ursprünglich sollte Microsoft exklusiv die Computing-Ressourcen für Oracle bereitstellen [1].")
    assert answer.refused, answer.text


def test_a_claim_may_join_a_heading_with_the_body_sentence_under_it(corpus_assistant):
    # "500 Milliarden für Stargate" heads "Insgesamt 500 Milliarden US-Dollar sollen dabei
    # binnen der nächsten vier Jahre in KI-Rechenzentren fließen."
    ask = _asker(corpus_assistant, "003_7f6e26588299af66.txt")
    answer = ask("Wie viel Geld soll in Stargate fließen?",
                  "Für Stargate sollen binnen der nächsten vier Jahre insgesamt 500 Milliarden US-Dollar "
                  "in KI-Rechenzentren fließen [1].")
    assert not answer.refused, answer.notices
    assert answer.citations[0].text.startswith("Insgesamt 500 Milliarden US-Dollar sollen dabei")
    # The title names Microsoft too, but not as the one the money is for.
    answer = ask("Wie viel Geld soll fließen?",
                  "Für Microsoft sollen binnen der nächsten vier Jahre insgesamt 500 Milliarden US-Dollar "
                  "in KI-Rechenzentren fließen [1].")
    assert answer.refused, answer.text


def _roles(sentence: str) -> dict[str, str]:
    return {" ".join(sorted(m.key)): m.role for c in clauses(sentence) for m in c.mentions}


def test_clause_roles_follow_voice_case_and_prepositions():
    # Verb-final subordinate clause, a target preposition, a separable verb.
    roles = _roles("Quellen berichteten, dass Microsoft eine Beteiligung von 49 % an OpenAI anstrebt.")
    assert roles["microsoft"] == AGENT and roles["openai"] == TARGET
    # Passive: the von-phrase is the agent, the subject the patient; a von after a noun is its attribute.
    roles = _roles("Die Finanzierungsrunde von OpenAI wurde von Thrive Capital angeführt.")
    assert roles["capital thriv"] == AGENT and roles["finanzierungsrund"] == PATIENT and roles["openai"] == OF
    # A participle phrase: "angeführt von X" makes X the agent.
    assert _roles("OpenAI sicherte sich eine Runde, angeführt von Thrive Capital.")["capital thriv"] == AGENT
    # Case: an accusative article is no subject, whatever the order.
    roles = _roles("Einen OpenAI-Mitarbeiter soll Suleyman angeschrien haben.")
    assert roles["suleyman"] == AGENT and roles["mitarbeit"] == PATIENT
    # A zu-infinitive shares the main clause's subject.
    (main, inf) = clauses("Die Junge Generation bemüht sich darum, ein Schiedsgericht einzuberufen.")
    assert [m.role for m in inf.mentions if "generation" in m.key] == [AGENT]


@pytest.mark.parametrize("claim, span, expected", [
    ("Suleyman soll einen OpenAI-Mitarbeiter angeschrien haben.",
     "Insider berichten, dass Suleyman einen OpenAI-Mitarbeiter angeschrien haben soll.", ""),
    ("Ein OpenAI-Mitarbeiter soll Suleyman angeschrien haben.",
     "Insider berichten, dass Suleyman einen OpenAI-Mitarbeiter angeschrien haben soll.", "agent"),
    # Numbers that trade places between the things they count.
    ("Die Regierung rechnet mit 1,6 Milliarden Euro Flüchtlingskosten, davon zwei Milliarden Euro für Sozialleistungen.",
     "Die Regierung rechnet mit zwei Milliarden Euro Flüchtlingskosten – davon 1,6 Milliarden Euro für Sozialleistungen.",
     "counts something else"),
    # A percentage for an amount of money.
    ("Microsoft strebt eine Beteiligung von 29 % an OpenAI an.",
     "Microsoft strebt eine Beteiligung von 49 % an OpenAI an und bewertet es mit 29 Milliarden Dollar.", "no %"),
    # A description stands for the named agent of the sentence before.
    ("Microsoft hat 13 Milliarden Dollar investiert.", "Der Konzern hat 13 Milliarden Dollar investiert.", ""),
    ("Oracle hat 13 Milliarden Dollar investiert.", "Der Konzern hat 13 Milliarden Dollar investiert.", "agent"),
])  # fmt: skip
def test_role_conflicts(claim, span, expected):
    why = role_conflict(claim, span, previous="Microsoft kündigte weitere Investitionen an.")
    assert (expected in why and why) if expected else not why, why


# --- round 2: German word order and case facts the first rules missed -----------------------


def test_a_participle_spelled_like_its_infinitive_after_wurde_is_a_passive():
    roles = _roles("Der Trainer wurde vom Verein entlassen.")
    assert roles["train"] == PATIENT and roles["verein"] == AGENT
    # An auxiliary-less participle clause after it keeps that voice and subject.
    _, again = clauses("Der Trainer wurde entlassen, nach zwei Wochen aber wieder eingestellt.")
    assert [m.role for m in again.mentions if "train" in m.key] == [PATIENT]


def test_relative_der_is_a_nominative_unless_its_antecedent_is_feminine():
    _, rel = clauses("Das Projekt wird von Anna Berger geleitet, der die Firma gegründet hat.")
    assert {m.role for m in rel.mentions if "berg" in m.key} == {AGENT}
    _, rel = clauses("Das Geld ging an die Stiftung, der Peter Huber das Haus vermacht hat.")
    assert {m.role for m in rel.mentions if "stiftung" in m.key} == {TARGET}


def test_partitives_attributive_von_phrases_and_labels():
    # "als einer der Gründe": the partitive phrase is the preposition's.
    roles = _roles("Die Ministerin nannte den Mangel an Lehrern als einen der Gründe für die Krise.")
    assert roles["grund"] == "prep:als" and roles["mangel"] == PATIENT
    # "ein von X entwickeltes Y": X says whose Y is, it does not build it.
    (c,) = clauses("Siemens baute einen von Bosch entwickelten Motor.")
    assert [(m.role, m.head) for m in c.mentions if "bosch" in m.key] == [(OF, frozenset({"motor"}))]
    # A verbless piece before a colon labels the clause after it; it is not its subject.
    roles = _roles("Vorteile für Kunden: Die Bank würde den Händlern günstige Kredite geben.")
    assert roles["bank"] == AGENT


@pytest.mark.parametrize("claim, span, expected", [
    # A description the span uses for someone else is not another word for its agent.
    ("Ein Angriff der Rebellen wurde von der Armee zurückgeschlagen.",
     "Ein Angriff der Armee wurde von den Rebellen zurückgeschlagen.", "the agent there"),
    ("Die Rebellen schlugen einen Angriff der Armee zurück, die Stadt zu erobern.",
     "Ein Angriff der Armee, die Stadt zu erobern, wurde von den Rebellen zurückgeschlagen.", ""),
    # Coordinated nouns share their "von": the claim's attribute must be that one.
    ("Anna Berger, die Gründerin von Bosch, leitet nun die Sparte.",
     "Anna Berger, die Gründerin und frühere Chefin von Siemens, leitet nun die Sparte.", "siemens"),
    ("Anna Berger, die Gründerin von Siemens, leitet nun die Sparte.",
     "Anna Berger, die Gründerin und frühere Chefin von Siemens, leitet nun die Sparte.", ""),
])  # fmt: skip
def test_role_conflicts_round_two(claim, span, expected):
    why = role_conflict(claim, span)
    assert (expected in why.casefold() and why) if expected else not why, why


def test_warm_up_loads_the_tagger_the_role_checks_need():
    # `rag serve` warms up with it: a lazily loaded tagger cost the first non-verbatim answer
    # of every fresh server 0.5 s, holding the other requests (benchmarks/api_load.py).
    from rag.answer.support import SupportScorer
    from rag.text import tagging

    tagging._tagger.cache_clear()
    SupportScorer.warm_up()
    assert tagging._tagger.cache_info().currsize == 1
    # ... the very model the checks then use: no second German model is loaded.
    assert clauses("Microsoft investiert weitere Milliarden in OpenAI.")[0].verb == "investieren"
    assert tagging.compound_parts("Rechenzentrumskapazitäten")
    assert tagging._tagger.cache_info().currsize == 1

"""The participants of one German clause and their roles: who did what to whom
(rag/answer/clauses.py cuts the sentence into clauses and calls `roles` on each).

Rules over the tags of rag.text.tagging and the pieces of rag/answer/pieces.py, facts of German
word order and case, not of any one sentence:
- a noun phrase's role comes from its preposition (an, für, zu ... a target; von/durch in a
  passive clause is the agent; von or a genitive right after a noun or a number belongs to
  that noun: "of"), else from its case (dem/einem: dative, a target; den/einen: accusative)
  and order: the first phrase that may be nominative is the subject. A phrase after "als" or
  "wie" compares or names a capacity; it takes no part. Coordinated phrases share one role;
- the subject is the agent in the active voice and the patient in the passive (werden + past
  participle, or a participle phrase: "angeführt von Thrive Capital"). Of a copula ("ist",
  "bleibt", "wird"), a state passive ("sind ... begrenzt") or a verb of measure ("betrug") it
  is the theme: it does nothing. A copula's predicate noun says what the clause is about
  ("sein:autor"); it is no participant;
- a relative pronoun stands for its antecedent, in the pronoun's role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.pieces import DETERMINERS, Relative, is_name, is_noun, phrase_key, phrase_words
from rag.answer.verbs import Voice
from rag.text.lexicon import (DATIVE_DETERMINERS, GENITIVE_DETERMINERS, OBLIQUE_DETERMINERS, TARGET_PREPOSITIONS,
                              UNIT_NOUNS)
from rag.text.tagging import Token

AGENT, PATIENT, TARGET, OF, THEME, PREDICATE = "agent", "patient", "target", "of", "theme", "predicate"
_ARTICLES = ("ART", "PPOSAT", "PDAT", "PIAT", "PIDAT")
_PRONOUNS = ("PPER", "PRELS", "PDS", "PIS")
_ACRONYM = re.compile(r"[A-ZÄÖÜ]{2,}")
_FEMININE = frozenset({"die", "eine", "keine", "diese", "jene", "ihre", "seine", "unsere", "jede", "welche"})


@dataclass(frozen=True)
class Mention:
    key: frozenset[str]  # stems that identify it: a name's words, else its head noun
    role: str  # AGENT, PATIENT, TARGET, OF, THEME, PREDICATE or "prep:<lemma>"
    name: bool  # a proper name, not a description
    text: str
    words: frozenset[str] = frozenset()  # every noun of the phrase ("Landeshauptmann Hans Niessl")
    head: frozenset[str] = frozenset()  # OF: the key of the noun it belongs to


def _phrases(clause: list[Token]):
    """(start, nouns start, end, preposition or None, determiner word or "") of each noun phrase."""
    i, n = 0, len(clause)
    while i < n:
        if not is_noun(clause[i]):
            i += 1
            continue
        j = i
        while j < n and is_noun(clause[j]):
            if j > i and is_name(clause[j]) and not is_name(clause[j - 1]) and i > 0 and clause[i - 1].tag == "PDAT":
                break  # "in diesem Text Niessl ... vorwerfen": a demonstrative's noun is complete
            if j > i and _ACRONYM.fullmatch(clause[j - 1].word) and clause[j].word[1:2].islower():
                break  # "wirft die JG Kucharowits ... vor": an acronym is a whole name
            j += 1
        k = i
        while k > 0 and clause[k - 1].tag in DETERMINERS:
            if clause[k - 1].tag == "CARD" and k > 1 and clause[k - 2].tag in ("APPR", "APPRART"):
                break  # "bis 2030 laufende Partnerschaft": the number is the preposition's
            if clause[k - 1].tag == "CARD" and k < i and clause[k].tag in _ARTICLES:
                break  # "Dreiviertel der Gewinne", "11 seiner 35 Würfe": a genitive after a value
            k -= 1
        det = next((t.word.casefold() for t in clause[k:i] if t.tag in _ARTICLES), "")
        prep = None
        before = clause[k - 1] if k > 0 else None
        if before is not None and before.tag in ("PIS", "PDS") and k > 1 and clause[k - 2].tag in (
                "APPR", "APPRART", "KOKOM"):
            before = clause[k - 2]  # "als eine der Ursachen", "mit einem der Gründer": the partitive's
        if before is not None and before.tag == "APPR":
            prep = before.lemma.casefold()
            if prep == "zu" and clause[k].lemma.casefold() in ("viel", "wenig"):
                prep = None  # "Zu viele Menschen zögern": a degree, not a preposition
        elif before is not None and before.tag == "APPRART":  # "vom" is "von dem"; "am", "im", "zum" keep their word
            prep = "von" if before.word.casefold() == "vom" else before.word.casefold()
        elif before is not None and before.tag == "KOKOM":  # "als CEO", "mehr als jedem fünften Unternehmen"
            prep = before.word.casefold()
        elif j < n and clause[j].tag == "APPO":  # "Quellen zufolge"
            prep = clause[j].lemma.casefold()
        yield k, i, j, prep, det
        i = j


def _attributed(clause: list[Token], j: int) -> frozenset[str] | None:
    """The noun a "von"-phrase ending at j belongs to when an attributive participle follows
    it ("einen von Azure gehosteten, von OpenAI mitentwickelten Supercomputer"), else None."""
    if j >= len(clause) or clause[j].tag != "ADJ(A)":
        return None
    for e in range(j + 1, len(clause)):
        if clause[e].tag.startswith("V"):
            return None
        if is_noun(clause[e]) and clause[e - 1].tag == "ADJ(A)":
            return phrase_key([clause[e]])[0]
    return None


def subject_role(voice: Voice) -> str:
    return THEME if voice.theme else PATIENT if voice.passive else AGENT


def roles(clause: list[Token], voice: Voice, shared: bool, relative: Relative | None) -> tuple[list[Mention], bool]:
    mentions: list[Mention] = []
    bare: list[tuple[int, Mention, str, int]] = []  # (group, mention, determiner, first token)
    group, last_end = -1, -10
    last_role, last_phrase_end, last_key = "", -10, frozenset()
    last_prep: str | None = None  # the preposition of the phrase before
    log: list[tuple[int, int, frozenset[str]]] = []  # (start, end, key) of the phrases so far
    for k, i, j, prep, det in _phrases(clause):
        nouns = clause[i:j]
        if all(t.word.casefold() in UNIT_NOUNS or t.lemma.casefold() in UNIT_NOUNS for t in nouns):
            last_key = frozenset()
            continue  # "Milliarden Dollar", "Jahr", "die Hälfte": quantities and dates, not participants
        # A prenominal genitive name ("Microsofts Investitionen") belongs to the noun after it.
        # "Burgenlands Landeshauptmann Hans Niessl": the name before a common noun.
        if len(nouns) > 1 and is_name(nouns[0]) and nouns[0].word.endswith("s") and not is_name(nouns[1]):
            key, name = phrase_key(nouns[:1])
            mentions.append(Mention(key, OF, name, nouns[0].word, phrase_words(nouns[:1]), phrase_key(nouns[1:])[0]))
            nouns = nouns[1:]
        # "Badawis nach Kanada geflüchtete Ehefrau", "Microsofts erneutes Engagement": a genitive
        # name before the words of the noun it belongs to.
        if (len(nouns) == 1 and is_name(nouns[0]) and nouns[0].lemma.casefold() + "s" == nouns[0].word.casefold()
                and j < len(clause) and clause[j].tag in ("ADJ(A)", "APPR")):
            key, name = phrase_key(nouns)
            mentions.append(Mention(key, OF, name, nouns[0].word, phrase_words(nouns)))
            last_phrase_end, last_role = j, OF
            continue
        key, name = phrase_key(nouns)
        words = phrase_words(nouns)
        text = " ".join(t.word for t in clause[k:j])
        log.append((k, j, key))
        conjunct = (k == last_phrase_end + 1 and clause[last_phrase_end].tag in ("$,", "KON") and prep is None
                    and last_role not in ("", "bare"))
        last_phrase_end = j
        if conjunct:  # "von Microsoft und OpenAI": the second is the preposition's too
            mentions.append(Mention(key, last_role, name, text, words, mentions[-1].head if mentions else frozenset()))
            continue
        after_noun = k > 0 and (is_noun(clause[k - 1]) or clause[k - 1].tag == "CARD"
                                or clause[k - 1].word.casefold() in UNIT_NOUNS)
        head = last_key if after_noun else frozenset()
        last_key, prev_prep, last_prep = key, last_prep, prep
        attributed = _attributed(clause, j) if prep in ("von", "durch") else None
        # "Die Stadt war im März von den Rebellen erobert worden", "... wurde dem Minister von
        # der Kommission übergeben": in a passive, the von-phrase right before the participle
        # is its agent, whatever noun stands before it.
        before_participle = j < len(clause) and clause[j].tag in ("VV(PP)", "VA(PP)")
        # ... unless the noun before it is a capacity's ("als CEO von OpenAI entlassen").
        of_capacity = k > 1 and is_noun(clause[k - 2]) and prev_prep in ("als", "wie")
        if prep in ("von", "durch") and voice.passive and before_participle and not of_capacity:
            role = AGENT
        elif prep == "von" and k > 1 and (is_noun(clause[k - 2]) or clause[k - 2].tag == "CARD"):
            role = OF  # "die Gewinne von OpenAI", "eine Beteiligung von 49 %"
            head = phrase_key([clause[k - 2]])[0] if is_noun(clause[k - 2]) else frozenset()
            if len(log) > 2 and log[-3][1] + 1 == log[-2][0] and clause[log[-3][1]].tag in ("$,", "KON"):
                head |= log[-3][2]  # "der Mitbegründer und ehemalige CEO von Inflection AI"
        elif attributed is not None:
            role, head = OF, attributed  # "ein von OpenAI mitentwickelter Supercomputer": whose it is
        elif prep in ("von", "durch") and voice.passive:
            role = AGENT
        elif prep is not None:
            role = TARGET if prep in TARGET_PREPOSITIONS else f"prep:{prep}"
        elif after_noun and det in GENITIVE_DETERMINERS:
            role = OF  # "die Strafverfolgung des Satirikers", "Versäumnisse der Verbündeten"
        else:
            last_role = "bare"
            # Phrases joined only by "," or "und" form one group with one role.
            joined = last_end >= 0 and k == last_end + 1 and (clause[last_end].tag == "$," or clause[last_end].tag == "KON")
            group = group if joined else group + 1
            bare.append((group, Mention(key, "", name, text, words), det, k))
            last_end = j
            continue
        last_role = role
        mentions.append(Mention(key, role, name, text, words, head if role == OF else frozenset()))
    subject, antecedent = _subject(clause, bare, shared, relative)
    groups = list(dict.fromkeys(b[0] for b in bare))
    nominative = [g for g in groups if g != subject and all(b[2] not in OBLIQUE_DETERMINERS for b in bare if b[0] == g)]
    predicate = nominative[0] if voice.copula and nominative else None
    # Two objects without a preposition: German puts the dative before the accusative ("Die JG
    # wirft Niessl parteischädigendes Verhalten vor", "gab Müller das Dokument"), so an
    # unmarked first one ("Niessl", "der JG") is the target.
    objects = [g for g in groups if g not in (subject, predicate)]
    dative = objects[0] if len(objects) >= 2 and all(
        b[2] in ("", "der") or b[2] in DATIVE_DETERMINERS for b in bare if b[0] == objects[0]) and not any(
        b[2] in DATIVE_DETERMINERS for b in bare if b[0] == objects[1]) else None
    for g, m, det, _ in bare:
        if g == subject:
            role = subject_role(voice)
        elif g == predicate:
            role = PREDICATE
        elif det in DATIVE_DETERMINERS or g == dative:
            role = TARGET
        else:
            role = PATIENT
        mentions.append(Mention(m.key, role, m.name, m.text, m.words))
    if antecedent is not None:
        mentions.append(antecedent if antecedent.role else Mention(
            antecedent.key, subject_role(voice), antecedent.name, antecedent.text, antecedent.words))
    named_subject = (antecedent is not None and not antecedent.role and antecedent.name) or any(
        b[1].name for b in bare if b[0] == subject)
    return mentions, not named_subject


def _subject(clause: list[Token], bare, shared: bool, relative: Relative | None):
    """The bare group that is the subject (None: a pronoun's, the clause before's or the
    relative pronoun's), and the relative pronoun's antecedent as a mention (role "" when it
    is the subject)."""
    groups = list(dict.fromkeys(b[0] for b in bare))
    nominative = [g for g in groups if all(b[2] not in OBLIQUE_DETERMINERS for b in bare if b[0] == g)]
    antecedent = None
    if relative is not None:
        key, name = phrase_key(list(relative.antecedent))
        role = _relative_role(relative)
        antecedent = Mention(key, role, name, " ".join(t.word for t in relative.antecedent),
                             phrase_words(list(relative.antecedent)))
        named = [g for g in nominative if any(b[1].name for b in bare if b[0] == g)]
        # "die"/"das" are nominative or accusative; "der"/"welcher" are only nominative here.
        if not role and named and relative.pronoun not in ("der", "welcher"):
            # "die sich OpenAI sicherte": a name beats the pronoun for the subject.
            return named[0], Mention(antecedent.key, PATIENT, name, antecedent.text, antecedent.words)
        if not role:
            return None, antecedent
    if shared:
        return None, antecedent  # the subject is the previous clause's
    if not nominative:
        return None, antecedent
    pronoun = next((i for i, t in enumerate(clause) if t.tag in _PRONOUNS and t.word.casefold() != "sich"
                    and not (relative is not None and i <= 1)
                    and not (i > 0 and clause[i - 1].tag in ("APPR", "APPRART", "KOKOM"))), None)  # "mit dem": no subject
    # A pronoun before every bare phrase is the subject ("Er starb ...").
    if pronoun is not None and pronoun < bare[0][3]:
        return None, antecedent
    return nominative[0], antecedent


def _relative_role(relative: Relative) -> str:
    """The antecedent's role from its pronoun's case ("" for the nominative: the subject)."""
    if relative.preposition:
        return TARGET if relative.preposition in TARGET_PREPOSITIONS else f"prep:{relative.preposition}"
    if relative.pronoun in ("dessen", "deren"):
        return OF
    if relative.pronoun in ("dem", "denen", "welchem"):
        return TARGET
    # "der" is a masculine nominative or a feminine dative: "die Firma, der ..." is the target.
    if relative.pronoun == "der" and relative.determiner in _FEMININE:
        return TARGET
    if relative.pronoun in ("den", "welchen"):
        return PATIENT
    return ""

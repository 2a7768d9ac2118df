"""A German sentence as clauses, each with its verb, its participants' roles and its
quantities: enough structure to tell who did what to whom (rag/answer/roles.py).

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
- a relative pronoun stands for its antecedent, in the pronoun's role; a piece that opens with
  a finite verb after "und" or after a main clause's comma ("..., erzielte aber dennoch die
  meisten Zähler") has the subject of the clause before, unless it reports speech with its
  own ("..., sagte Azevedo", "..., schreibt er");
- a quantity is a number with its unit words ("49 %", "1,6 Milliarden Euro") and the noun it
  counts, if one follows ("... Euro Flüchtlingskosten", "... Euro für Sozialleistungen").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.facts import numbers_in
from rag.answer.pieces import AND, SUBORDINATE, Relative, is_finite, is_name, is_noun, pieces
from rag.text.lexicon import (COPULAS, DATIVE_DETERMINERS, GENITIVE_DETERMINERS, MEASURE_VERBS,
                              OBLIQUE_DETERMINERS, OWNER_PREPOSITIONS, QUANTITY_UNITS, REPORTING_VERBS,
                              SUBJECT_PRONOUNS, TARGET_PREPOSITIONS, UNIT_NOUNS)
from rag.text.tagging import Token, tag
from rag.text.terms import tokenize

__all__ = ["AGENT", "OF", "PATIENT", "PREDICATE", "TARGET", "THEME", "Clause", "Mention", "Quantity", "clauses",
           "is_name"]

AGENT, PATIENT, TARGET, OF, THEME, PREDICATE = "agent", "patient", "target", "of", "theme", "predicate"
_DETERMINERS = ("ART", "PPOSAT", "PDAT", "PIAT", "PIDAT", "PWAT", "CARD", "ADJ(A)", "ADJ(D)", "ADV", "TRUNC")
_ARTICLES = ("ART", "PPOSAT", "PDAT", "PIAT", "PIDAT")
_PRONOUNS = ("PPER", "PRELS", "PDS", "PIS")
_YEAR = re.compile(r"(1[89]|20)\d\d")


@dataclass(frozen=True)
class Mention:
    key: frozenset[str]  # stems that identify it: a name's words, else its head noun
    role: str  # AGENT, PATIENT, TARGET, OF, THEME, PREDICATE or "prep:<lemma>"
    name: bool  # a proper name, not a description
    text: str
    words: frozenset[str] = frozenset()  # every noun of the phrase ("Landeshauptmann Hans Niessl")
    head: frozenset[str] = frozenset()  # OF: the key of the noun it belongs to


@dataclass(frozen=True)
class Quantity:
    values: frozenset[str]  # numbers_in of the number with its units
    unit: str  # "%", "money" or ""
    owner: frozenset[str]  # the counted noun's key, empty when none follows
    year: bool = False  # a year: it dates a statement rather than counting in it


@dataclass(frozen=True)
class Clause:
    verb: str  # the content verb's lemma, particle included ("anführen"); "sein:<predicate>"; "" if none
    passive: bool
    mentions: tuple[Mention, ...]
    quantities: tuple[Quantity, ...]
    words: frozenset[str]  # content stems
    agent_pronoun: bool  # the subject is a pronoun or a description ("er", "der Konzern")


def _stem(word: str) -> str:
    stems = tokenize(word)
    return stems[0] if stems else word.casefold()


def _key(tokens: list[Token]) -> tuple[frozenset[str], bool]:
    names = [t for t in tokens if is_name(t)]
    if names:
        # "Microsofts" is Microsoft: the genitive s goes, as the lemma says.
        return frozenset(_stem(t.lemma if t.lemma.casefold() != t.word.casefold() else t.word) for t in names), True
    head = tokens[-1].word.split("-")[-1]
    return frozenset({_stem(head)}), False


def _words(tokens: list[Token]) -> frozenset[str]:
    return frozenset(s for t in tokens for part in t.word.split("-") for s in tokenize(part))


def _phrases(clause: list[Token]):
    """(start, nouns start, end, preposition or None, determiner word or "") of each noun phrase."""
    i, n = 0, len(clause)
    while i < n:
        if not is_noun(clause[i]):
            i += 1
            continue
        j = i
        while j < n and is_noun(clause[j]):
            j += 1
        k = i
        while k > 0 and clause[k - 1].tag in _DETERMINERS:
            if clause[k - 1].tag == "CARD" and k > 1 and clause[k - 2].tag in ("APPR", "APPRART"):
                break  # "bis 2030 laufende Partnerschaft": the number is the preposition's
            if clause[k - 1].tag == "CARD" and k < i and clause[k].tag in _ARTICLES:
                break  # "Dreiviertel der Gewinne", "11 seiner 35 Würfe": a genitive after a value
            k -= 1
        det = next((t.word.casefold() for t in clause[k:i] if t.tag in _ARTICLES), "")
        prep = None
        before = clause[k - 1] if k > 0 else None
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


@dataclass
class _Voice:
    passive: bool
    theme: bool  # a copula, a state passive or a verb of measure
    copula: bool


def _subject_role(voice: _Voice) -> str:
    return THEME if voice.theme else PATIENT if voice.passive else AGENT


def _roles(clause: list[Token], voice: _Voice, shared: bool, relative: Relative | None) -> tuple[list[Mention], bool]:
    mentions: list[Mention] = []
    bare: list[tuple[int, Mention, str, int]] = []  # (group, mention, determiner, first token)
    group, last_end = -1, -10
    last_role, last_phrase_end, last_key = "", -10, frozenset()
    for k, i, j, prep, det in _phrases(clause):
        nouns = clause[i:j]
        if all(t.word.casefold() in UNIT_NOUNS or t.lemma.casefold() in UNIT_NOUNS for t in nouns):
            last_key = frozenset()
            continue  # "Milliarden Dollar", "Jahr", "die Hälfte": quantities and dates, not participants
        # A prenominal genitive name ("Microsofts Investitionen") belongs to the noun after it.
        if len(nouns) > 1 and is_name(nouns[0]) and nouns[0].word.endswith("s") and not is_name(nouns[-1]):
            key, name = _key(nouns[:1])
            mentions.append(Mention(key, OF, name, nouns[0].word, _words(nouns[:1]), _key(nouns[1:])[0]))
            nouns = nouns[1:]
        key, name = _key(nouns)
        words = _words(nouns)
        text = " ".join(t.word for t in clause[k:j])
        conjunct = (k == last_phrase_end + 1 and clause[last_phrase_end].tag in ("$,", "KON") and prep is None
                    and last_role not in ("", "bare"))
        last_phrase_end = j
        if conjunct:  # "von Microsoft und OpenAI": the second is the preposition's too
            mentions.append(Mention(key, last_role, name, text, words, mentions[-1].head if mentions else frozenset()))
            continue
        after_noun = k > 0 and (is_noun(clause[k - 1]) or clause[k - 1].tag == "CARD"
                                or clause[k - 1].word.casefold() in UNIT_NOUNS)
        head = last_key if after_noun else frozenset()
        last_key = key
        if prep == "von" and k > 1 and (is_noun(clause[k - 2]) or clause[k - 2].tag == "CARD"):
            role = OF  # "die Gewinne von OpenAI", "eine Beteiligung von 49 %"
            head = _key([clause[k - 2]])[0] if is_noun(clause[k - 2]) else frozenset()
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
    for g, m, det, _ in bare:
        if g == subject:
            role = _subject_role(voice)
        elif g == predicate:
            role = PREDICATE
        elif det in DATIVE_DETERMINERS:
            role = TARGET
        else:
            role = PATIENT
        mentions.append(Mention(m.key, role, m.name, m.text, m.words))
    if antecedent is not None:
        mentions.append(antecedent if antecedent.role else Mention(
            antecedent.key, _subject_role(voice), antecedent.name, antecedent.text, antecedent.words))
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
        key, name = _key(list(relative.antecedent))
        role = _relative_role(relative)
        antecedent = Mention(key, role, name, " ".join(t.word for t in relative.antecedent),
                             _words(list(relative.antecedent)))
        named = [g for g in nominative if any(b[1].name for b in bare if b[0] == g)]
        if not role and named:
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
                    and not (i > 0 and clause[i - 1].tag in ("APPR", "APPRART"))), None)  # "mit dem": no subject
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
    if relative.pronoun in ("den", "welchen"):
        return PATIENT
    return ""


def _quantities(clause: list[Token]) -> list[Quantity]:
    out = []
    for i, t in enumerate(clause):
        if t.tag != "CARD" or (i > 0 and clause[i - 1].tag == "CARD"):
            continue
        j = i + 1
        while j < len(clause) and (clause[j].tag == "CARD" or clause[j].word.casefold() in QUANTITY_UNITS
                                   or clause[j].lemma.casefold() in QUANTITY_UNITS):
            j += 1
        phrase = " ".join(x.word for x in clause[i:j])
        units = {QUANTITY_UNITS.get(x.word.casefold()) or QUANTITY_UNITS.get(x.lemma.casefold(), "")
                 for x in clause[i + 1:j]}
        unit = "%" if "%" in units else "money" if "money" in units else ""
        k = j
        while k < len(clause) and clause[k].tag in _DETERMINERS:
            k += 1
        owner: frozenset[str] = frozenset()
        if k < len(clause) and clause[k].tag in ("APPR", "APPRART") and clause[k].lemma.casefold() in OWNER_PREPOSITIONS:
            k += 1
            while k < len(clause) and clause[k].tag in _DETERMINERS:
                k += 1
        if k < len(clause) and is_noun(clause[k]) and clause[k].word.casefold() not in UNIT_NOUNS:
            e = k
            while e < len(clause) and is_noun(clause[e]):
                e += 1
            owner = _key(clause[k:e])[0]
        if _YEAR.fullmatch(t.word) and j == i + 1:
            owner = frozenset()  # "2024 einen Verlust": a year dates, it counts nothing
        if values := frozenset(numbers_in(phrase)):
            out.append(Quantity(values, unit, owner, bool(_YEAR.fullmatch(t.word)) and j == i + 1))
    return out


def _without_brackets(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """A parenthesis ("Profi (MVP) der Vorrunde", "(11,8 Milliarden Euro)") restates or adds
    an aside; it takes no part in the clause around it."""
    out, depth = [], 0
    for t in tokens:
        if t.word == "(":
            depth += 1
        elif t.word == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(t)
    return tuple(out) if not depth else tokens


def _verb(clause: list[Token]) -> str:
    verbs = [t for t in clause if t.tag.startswith("VV")] or [t for t in clause if t.tag.startswith("V")]
    if not verbs:
        return ""
    lemma = verbs[-1].lemma.casefold()
    particle = next((t.word.casefold() for t in clause if t.tag == "PTKVZ"), "")
    return lemma if not particle or lemma.startswith(particle) else particle + lemma


def _voice(piece: list[Token]) -> _Voice:
    finite = any(is_finite(t) for t in piece)
    # "würde ... erhalten": a participle spelled like its infinitive is read as the infinitive.
    participle = any(t.tag == "VV(PP)" and t.word.casefold() != t.lemma.casefold() for t in piece)
    # werden + participle, or a participle phrase ("angeführt von Thrive Capital").
    passive = participle and (any(t.lemma == "werden" and t.tag.startswith("VA") for t in piece)
                              or (not finite and piece[0].tag == "VV(PP)"))
    content = [t.lemma.casefold() for t in piece if t.tag.startswith("VV")]
    copula = not passive and all(v in COPULAS for v in content) and any(
        t.tag.startswith("V") and t.lemma.casefold() in COPULAS for t in piece)
    # "sind auf das 100-fache begrenzt", "ist gestiegen": sein with a participle states a state.
    state = not passive and participle and any(t.lemma == "sein" and t.tag.startswith("VA") for t in piece)
    measure = any(v in MEASURE_VERBS for v in content)
    return _Voice(passive, copula or state or measure, copula)


def _reports(piece: list[Token]) -> bool:
    """"..., sagte WTO-Chef Roberto Azevedo", "..., schreibt er": speech reported after it,
    with its own subject after the verb."""
    return piece[0].lemma.casefold() in REPORTING_VERBS or (
        len(piece) > 1 and piece[1].tag == "PPER" and piece[1].word.casefold() in SUBJECT_PRONOUNS)


@lru_cache(maxsize=8192)
def clauses(sentence: str) -> tuple[Clause, ...]:
    """The clauses of one sentence (or of a few joined ones), in order."""
    out: list[Clause] = []
    cut, relatives = pieces(_without_brackets(tag(sentence)))
    main_before = False  # the piece before is a main clause (its subject may go on)
    noun_before = False  # the piece before ends with a noun, which an infinitive may belong to
    for raw in cut:
        relative = relatives.get(id(raw[0]))
        opened = raw[0] is AND
        piece = [t for t in raw if t is not AND]
        finite = any(is_finite(t) for t in piece)
        verb_first = is_finite(piece[0])
        # "... würde Microsoft Einfluss erhalten und die KI-Technologie integrieren": a piece
        # after "und" without a finite verb shares the subject before it; so does an infinitive
        # with zu ("bemüht sich darum, ein Schiedsgericht einzuberufen"), a finite verb right
        # after "und" ("... war sich nicht sicher und hat Fragen an den EuGH verwiesen") and
        # one right after a main clause's comma ("James traf ..., erzielte aber ...").
        # An infinitive right after a noun belongs to it ("ein Versuch der Sicherheitskräfte,
        # die Geiseln zu befreien", "ermöglichte es OpenAI, ... zu entwickeln"): its subject is
        # not the clause's.
        infinitive = any(t.tag == "VV(IZU)" or t.tag == "PTKZU" for t in piece)
        shared = bool(out) and relative is None and (
            (opened and (verb_first or not finite)) or (infinitive and not finite and not noun_before)
            or (verb_first and main_before and not _reports(piece)))
        main_before = relative is None and piece[0].tag not in SUBORDINATE and (not verb_first or shared)
        noun_before = is_noun(piece[-1])
        voice = _voice(piece)
        # The relative pronoun (with its preposition) is its antecedent, not a determiner.
        own = piece[(2 if relative.preposition else 1):] if relative is not None else piece
        mentions, agent_pronoun = _roles(own, voice, shared, relative)
        if shared:
            before = out[-1]
            role = _subject_role(voice)
            mentions += [Mention(m.key, role, m.name, m.text, m.words) for m in before.mentions
                         if m.role == (PATIENT if before.passive else AGENT) or m.role == THEME]
            agent_pronoun = before.agent_pronoun
        words = {s for t in piece if t.tag[:1] in "NVA" or t.tag in ("NE", "FM", "CARD") for s in tokenize(t.word)}
        words |= {s for m in mentions for s in m.key}  # with a subject it shares
        verb = _verb(piece)
        if voice.copula:
            # "ist Autor eines Gesetzesentwurfs", "bleibt der größte Kapitalgeber", "wird zum
            # Cloud-Partner": the predicate says what the clause is about.
            predicate = next((m for m in mentions if m.role == PREDICATE), None) or next(
                (m for m in mentions if m.role in ("prep:zum", "prep:zur")), None)
            verb = f"sein:{min(predicate.key)}" if predicate else "sein"
        out.append(Clause(verb, voice.passive, tuple(mentions), tuple(_quantities(piece)), frozenset(words),
                          agent_pronoun))
    return tuple(out)

"""A German sentence as clauses, each with its verb, its participants' roles and its
quantities: enough structure to tell who did what to whom (rag/answer/roles.py).

Rules over the tags of rag.text.tagging, facts of German word order and case, not of any one
sentence:
- clauses end at punctuation, coordinating conjunctions and subordinators; a piece without a
  verb ("Auch Nvidia, MGX und Microsoft haben ...") joins the next main-clause piece;
- a noun phrase's role comes from its preposition (an, für, zu ... a target; von/durch in a
  passive clause is the agent; von or a genitive right after a noun belongs to that noun),
  else from its case (dem/einem: dative, a target; den/einen: accusative) and order: the first
  phrase that may be nominative is the subject. A name beats a relative pronoun for subject
  ("die sich OpenAI sicherte"). Coordinated phrases share one role;
- the subject is the agent in the active voice and the patient in the passive (werden + past
  participle, or a participle phrase: "angeführt von Thrive Capital");
- a quantity is a number with its unit words ("49 %", "1,6 Milliarden Euro") and the noun it
  counts, if one follows ("... Euro Flüchtlingskosten", "... Euro für Sozialleistungen").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.facts import numbers_in
from rag.text.lexicon import (CLAUSE_CONJUNCTIONS, DATIVE_DETERMINERS, GENITIVE_DETERMINERS, LIGHT_VERBS,
                              OBLIQUE_DETERMINERS, OWNER_PREPOSITIONS, QUANTITY_UNITS, TARGET_PREPOSITIONS, UNIT_NOUNS)
from rag.text.tagging import Token, tag
from rag.text.terms import tokenize

AGENT, PATIENT, TARGET, OF = "agent", "patient", "target", "of"
_DETERMINERS = ("ART", "PPOSAT", "PDAT", "PIAT", "PIDAT", "PWAT", "CARD", "ADJ(A)", "ADJ(D)", "ADV", "TRUNC")
_SUBORDINATE = ("KOUS", "PRELS", "PRELAT", "PWAV", "KOUI")
_PRONOUNS = ("PPER", "PRELS", "PDS", "PIS")
_YEAR = re.compile(r"(1[89]|20)\d\d")


@dataclass(frozen=True)
class Mention:
    key: frozenset[str]  # stems that identify it: a name's words, else its head noun
    role: str  # AGENT, PATIENT, TARGET, OF, or "prep:<lemma>"
    name: bool  # a proper name, not a description
    text: str


@dataclass(frozen=True)
class Quantity:
    values: frozenset[str]  # numbers_in of the number with its units
    unit: str  # "%", "money" or ""
    owner: frozenset[str]  # the counted noun's key, empty when none follows
    year: bool = False  # a year: it dates a statement rather than counting in it


@dataclass(frozen=True)
class Clause:
    verb: str  # the content verb's lemma, particle included ("anführen"); "" if none
    passive: bool
    mentions: tuple[Mention, ...]
    quantities: tuple[Quantity, ...]
    words: frozenset[str]  # content stems
    agent_pronoun: bool  # the agent is a pronoun or a description ("er", "der Konzern")


def is_name(token: Token) -> bool:
    """NE/FM by the tagger, or a name by its shape (an acronym, an inner capital: "BREIN")."""
    # A compound is what its last part is: "OpenAI-Mitarbeiter" is an employee, not OpenAI.
    w = token.word.rstrip("-").split("-")[-1]
    return token.tag in ("NE", "FM") or (len(w) >= 2 and any(c.isupper() for c in w[1:]) and w[0].isupper())


def _is_noun(token: Token) -> bool:
    return token.tag.startswith("NN") or is_name(token)


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


_COMMA = Token(",", ",", "$,")
_AND = Token("und", "und", "KON")  # marks a piece that a conjunction opened


def _segments(tokens: tuple[Token, ...]) -> list[list[Token]]:
    pieces: list[list[Token]] = [[]]
    for t in tokens:
        boundary = t.tag.startswith("$") or t.tag == "XY" or (t.tag == "KON" and t.word.casefold() in CLAUSE_CONJUNCTIONS)
        if boundary:
            pieces.append([_AND] if t.tag == "KON" else [])
            continue
        if t.tag in _SUBORDINATE and pieces[-1]:
            # "..., mit dem die EU-Kommission ...": the preposition opens the relative clause.
            carried = [pieces[-1].pop()] if pieces[-1][-1].tag in ("APPR", "APPRART") else []
            pieces.append(carried)
        pieces[-1].append(t)
    pieces = [p for p in pieces if p and p != [_AND]]
    # A verbal bracket across a conjunction ("hat einen Streitfall zwischen A und B an den
    # EuGH weitergeleitet"): an auxiliary without its verb takes the next piece's participle.
    merged: list[list[Token]] = []
    for piece in pieces:
        verbless = not any(t.tag.startswith("V") for t in piece)
        if merged and _open_bracket(merged[-1]) and (_bracket_end(piece) or verbless):
            merged[-1] = merged[-1] + [_COMMA] + piece  # an apposition may stand in between
        else:
            merged.append(piece)
    out: list[list[Token]] = []
    pending: list[Token] = []
    for piece in merged:
        if any(t.tag.startswith("V") for t in piece):
            if pending and piece[0].tag not in _SUBORDINATE:
                piece, pending = pending + [_COMMA] + piece, []
            out.append(piece)
        elif out and not pending:
            out[-1] = out[-1] + [_COMMA] + piece  # "..., davon 1,6 Milliarden Euro für ...", "(Ortszeit)"
        else:
            pending += ([_COMMA] if pending else []) + piece  # "Nvidia, MGX und Microsoft haben ..."
    if pending:
        if out:
            out[-1] = out[-1] + [_COMMA] + pending
        else:
            out.append(pending)
    return out


def _open_bracket(piece: list[Token]) -> bool:
    return any(t.tag in ("VA(FIN)", "VM(FIN)") for t in piece) and not any(t.tag.startswith("VV") for t in piece)


def _bracket_end(piece: list[Token]) -> bool:
    return piece[0].tag not in _SUBORDINATE and not any(t.tag.endswith("(FIN)") for t in piece) and any(
        t.tag in ("VV(PP)", "VV(INF)", "VA(PP)", "VA(INF)", "VV(IZU)") for t in piece)


def _phrases(clause: list[Token]):
    """(start, end, preposition or None, determiner word or "") of each noun phrase."""
    i, n = 0, len(clause)
    while i < n:
        if not _is_noun(clause[i]):
            i += 1
            continue
        j = i
        while j < n and _is_noun(clause[j]):
            j += 1
        k = i
        while k > 0 and clause[k - 1].tag in _DETERMINERS:
            if clause[k - 1].tag == "CARD" and k > 1 and clause[k - 2].tag in ("APPR", "APPRART"):
                break  # "bis 2030 laufende Partnerschaft": the number is the preposition's
            k -= 1
        det = next((t.word.casefold() for t in clause[k:i] if t.tag in ("ART", "PPOSAT", "PDAT", "PIAT", "PIDAT")), "")
        prep = None
        if k > 0 and clause[k - 1].tag == "APPR":
            prep = clause[k - 1].lemma.casefold()
        elif k > 0 and clause[k - 1].tag == "APPRART":  # "vom" is "von dem"; "am", "im", "zum" keep their word
            prep = "von" if clause[k - 1].word.casefold() == "vom" else clause[k - 1].word.casefold()
        elif j < n and clause[j].tag == "APPO":  # "Quellen zufolge"
            prep = clause[j].lemma.casefold()
        yield k, i, j, prep, det
        i = j


def _roles(clause: list[Token], passive: bool, shared: bool = False) -> tuple[list[Mention], bool]:
    mentions: list[Mention] = []
    bare: list[tuple[int, Mention, str, int]] = []  # (group, mention, determiner, first token)
    group, last_end = -1, -10
    last_role, last_phrase_end = "", -10
    for k, i, j, prep, det in _phrases(clause):
        nouns = clause[i:j]
        if all(t.word.casefold() in UNIT_NOUNS or t.lemma.casefold() in UNIT_NOUNS for t in nouns):
            continue  # "Milliarden Dollar", "Jahr": quantities and dates, not participants
        # A prenominal genitive name ("Microsofts Investitionen") belongs to the noun after it.
        if len(nouns) > 1 and is_name(nouns[0]) and nouns[0].word.endswith("s") and not is_name(nouns[-1]):
            key, name = _key(nouns[:1])
            mentions.append(Mention(key, OF, name, nouns[0].word))
            nouns = nouns[1:]
        key, name = _key(nouns)
        text = " ".join(t.word for t in clause[k:j])
        conjunct = (k == last_phrase_end + 1 and clause[last_phrase_end].tag in ("$,", "KON") and prep is None
                    and last_role not in ("", "bare"))
        last_phrase_end = j
        if conjunct:  # "von Microsoft und OpenAI": the second is the preposition's too
            mentions.append(Mention(key, last_role, name, text))
            continue
        after_noun = k > 0 and (_is_noun(clause[k - 1]) or clause[k - 1].tag == "CARD"
                                or clause[k - 1].word.casefold() in UNIT_NOUNS)
        if prep == "von" and k > 1 and (_is_noun(clause[k - 2]) or clause[k - 2].tag == "CARD"):
            role = OF  # "die Gewinne von OpenAI", "eine Beteiligung von 49 %"
        elif prep in ("von", "durch") and passive:
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
            bare.append((group, Mention(key, "", name, text), det, k))
            last_end = j
            continue
        last_role = role
        mentions.append(Mention(key, role, name, text))
    relative = bool(clause) and clause[0].tag in ("PRELS", "PRELAT")
    pronoun = next((i for i, t in enumerate(clause) if t.tag in _PRONOUNS and t.word.casefold() != "sich"
                    and not (i > 0 and clause[i - 1].tag in ("APPR", "APPRART"))), None)  # "mit dem": no subject
    groups = sorted({b[0] for b in bare})
    nominative = [g for g in groups if all(b[2] not in OBLIQUE_DETERMINERS for b in bare if b[0] == g)]
    subject = None
    if shared:
        subject = None  # the subject is the previous clause's
    elif relative and any(b[1].name for b in bare):
        subject = next(b[0] for b in bare if b[1].name)
    elif nominative:
        subject = nominative[0]
        # A pronoun before every bare phrase is the subject ("Er starb ...").
        if pronoun is not None and pronoun < bare[0][3]:
            subject = None
    # "Die Paketzustellung soll billiger werden": the subject of a copula with an adjective
    # undergoes a state; it does nothing.
    copula = not any(t.tag.startswith("VV") for t in clause) and any(t.tag == "ADJ(D)" for t in clause)
    for g, m, det, _ in bare:
        if g == subject:
            role = "theme" if copula else PATIENT if passive else AGENT
        elif det in DATIVE_DETERMINERS:
            role = TARGET
        else:
            role = PATIENT
        mentions.append(Mention(m.key, role, m.name, m.text))
    subject_mentions = [b[1] for b in bare if b[0] == subject]
    agent_is_pronoun = subject is None or not any(m.name for m in subject_mentions)
    return mentions, agent_is_pronoun


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
        if k < len(clause) and _is_noun(clause[k]) and clause[k].word.casefold() not in UNIT_NOUNS:
            e = k
            while e < len(clause) and _is_noun(clause[e]):
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


@lru_cache(maxsize=8192)
def clauses(sentence: str) -> tuple[Clause, ...]:
    """The clauses of one sentence (or of a few joined ones), in order."""
    out = []
    for piece in _segments(_without_brackets(tag(sentence))):
        # "... würde Microsoft Einfluss erhalten und die KI-Technologie integrieren": a piece
        # after "und" without a finite verb shares the subject before it.
        # So does an infinitive with zu ("bemüht sich darum, ein Schiedsgericht einzuberufen").
        infinitive = any(t.tag == "VV(IZU)" or t.tag == "PTKZU" for t in piece)
        # And "... war sich nicht sicher und hat Fragen an den EuGH verwiesen": a finite verb
        # right after "und" has the subject before it.
        verb_first = piece[0] is _AND and len(piece) > 1 and piece[1].tag.endswith("(FIN)")
        shared = bool(out) and (verb_first or ((piece[0] is _AND or infinitive)
                                               and not any(t.tag.endswith("(FIN)") for t in piece)))
        piece = [t for t in piece if t is not _AND]
        finite = any(t.tag.endswith("(FIN)") for t in piece)
        # "würde ... erhalten": a participle spelled like its infinitive is read as the infinitive.
        participle = any(t.tag == "VV(PP)" and t.word.casefold() != t.lemma.casefold() for t in piece)
        # werden + participle, or a participle phrase ("angeführt von Thrive Capital").
        passive = participle and (any(t.lemma == "werden" and t.tag.startswith("VA") for t in piece)
                                  or (not finite and piece[0].tag == "VV(PP)"))
        mentions, agent_pronoun = _roles(piece, passive, shared)
        if shared:
            before = out[-1]
            subject = [Mention(m.key, PATIENT if passive else AGENT, m.name, m.text) for m in before.mentions
                       if m.role == (PATIENT if before.passive else AGENT) or m.role == "theme"]
            mentions = [m for m in mentions] + subject
            agent_pronoun = out[-1].agent_pronoun
        words = {s for t in piece if t.tag[:1] in "NVA" or t.tag in ("NE", "FM", "CARD") for s in tokenize(t.word)}
        words |= {s for m in mentions for s in m.key}  # with a subject it shares
        verb = _verb(piece)
        if verb in LIGHT_VERBS and not any(t.tag.startswith("VV") for t in piece):
            # "ist Autor eines Gesetzesentwurfs": the predicate noun says what the clause is about.
            predicate = next((m for m in mentions if m.role == PATIENT), None)
            verb = f"{verb}:{min(predicate.key)}" if predicate else verb
        out.append(Clause(verb, passive, tuple(mentions), tuple(_quantities(piece)), frozenset(words), agent_pronoun))
    return tuple(out)

"""What a reference to the last turn can mean, and which of it a given reference means.

Candidates are the names of the last turn (for a question that asked for a name, its
answer's new names first, or the cited passage's before the answer sentence; else the
question's own, its subject first) and the last question's noun phrases ("the euro", "die
Strompreise"). A reference picks the first candidate that agrees with it: a person for "er",
"he", "der Politiker"; a place (a name after "in", "nach", "aus") for "dort", "der Ort"; an
organisation or thing, not a place, for "der Konzern"; plural for "they", "sie" with a plural
verb, "ihnen" (names joined by "und", or every new name of an answer to a plural question, or a
plural noun phrase); neuter for German "es" ("das Deutschlandticket").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rag.answer.mentions import Mention, clean_answer, coordinated, head_kind, names_in
from rag.answer.phrases import Phrase, phrases_of, words_of
from rag.answer.salience import BACKGROUND, gender_of, in_focus, place_rank, prominence
from rag.text.language import detect_language
from rag.text.followup_lexicon import ASKS_ENTITY, COPULA_QUESTION
from rag.text.sentences import split_sentences

if TYPE_CHECKING:
    from rag.answer.condense import PriorTurn

_WORD = re.compile(r"[^\W_][\w'’-]*")
# "in Graz", and with a place noun between: "im Bundesstaat Andhra Pradesh", "in the city of Jeddah".
_LOCATIVE = re.compile(r"\b(?:in|im|nach|aus|at|to|into)\s+(?:(?:der|dem|den|die|das|the)\s+)?"
                       r"(?:(?P<noun>[\w-]+)\s+(?:of\s+)?)?$", re.IGNORECASE)
_GOAL = re.compile(r"\b(?:nach|to|into)\s+(?:(?:der|dem|den|die|das|the)\s+)?(?:(?P<noun>[\w-]+)\s+(?:of\s+)?)?$",
                   re.IGNORECASE)
_IN_PLACE = re.compile(r"\b(?:in|im|aus|into)\s+(?:(?:der|dem|den|die|das|the)\s+)?$", re.IGNORECASE)
# The common noun right before a name: its kind ("das Hackerkollektiv Anonymous", "the media group Schibsted").
_ROLE_OF = re.compile(r"(?P<noun>[\w-]+)\s+(?:von|vom|of|bei|beim|at|der|des|the)\s+$", re.IGNORECASE)
_APPOSED = re.compile(r"(?P<noun>[\w-]+)\s+$")


@dataclass(frozen=True)
class Candidate:
    mention: Mention
    text: str  # the text it was found in (for "X und Y")
    names: tuple[Mention, ...]  # every name of that text
    from_answer: bool = False
    asked: bool = False  # an answer's name to a question that asked for the kind wanted ("Welches Land")
    lang: str = "de"  # the conversation's language, for a text whose own words do not tell

    def _after(self, pattern: re.Pattern) -> bool:
        m = pattern.search(self.text[:self.mention.start])
        return m is not None and (not m.group("noun") or head_kind(m.group("noun")) == "place")

    @property
    def locative(self) -> bool:
        return self._after(_LOCATIVE)

    @property
    def goal(self) -> bool:
        return self._after(_GOAL)

    @property
    def person_like(self) -> bool:
        """A person by its form, unless a noun of another kind introduces it ("im Bundesstaat
        Andhra Pradesh")."""
        kind = head_kind(self.apposed) if self.apposed else None
        role = _ROLE_OF.search(self.text[:self.mention.start])
        if role is not None and head_kind(role.group("noun")) == "person":
            return False  # "Chef von Tata Steel", "CEO of Bank Austria": where a person works
        if _IN_PLACE.search(self.text[:self.mention.start]):
            return False  # "in Monte Carlo", "aus Norwegen": no one is in a person
        if self.apposed and self.mention.articled and kind in (None, "person"):
            # "Der Grieche Stefanos Tsitsipas": the article is the noun's, the name is judged by its form
            return replace(self.mention, articled=False).person_like
        return self.mention.person_like and kind in (None, "person")

    @property
    def apposed(self) -> str | None:
        """The common noun that introduces the name ("Hackerkollektiv" for "das Hackerkollektiv
        Anonymous"), tagged as a noun; None when the name stands alone."""
        m = _APPOSED.search(self.text[:self.mention.start])
        if m is None:
            return None
        word = next((w for w in words_of(self.text) if w.start == m.start("noun")), None)
        return word.text if word is not None and word.tag == "NOUN" else None


def referents(last: PriorTurn, base: str, exclude: set[str], kind: str | None = None) -> list[Candidate]:
    """The names of the last turn, most likely meant first."""
    asked = names_in(base)
    known = {m.text.casefold() for m in asked} | exclude
    # "Merkel" in the answer is the question's "Angela Merkel": no new name.
    known |= {m.text.casefold().split()[-1] for m in asked if m.person_like}
    answer_text = clean_answer(last.answer)
    lang = detect_language(base)  # an answer in the question's language unless its words say otherwise
    found = names_in(answer_text, lang)
    answer = [Candidate(m, answer_text, tuple(found), True, lang=lang) for m in found if m.text.casefold() not in known]
    if not answer:
        for context in last.contexts:
            sentences = split_sentences(context)
            for sentence in reversed(sentences[:-1] if len(sentences) > 1 else sentences):
                found = names_in(sentence, lang)
                answer = [Candidate(m, sentence, tuple(found), True, lang=lang) for m in found
                          if m.text.casefold() not in known]
                if answer:
                    break
            if answer:
                break
    # Centering: a core argument of the answer before a name in a prepositional phrase, and
    # both before a source or a relative clause's name (rag.answer.salience).
    answer.sort(key=lambda c: prominence(c.text, c.mention.start, lang))
    own = [Candidate(m, base, tuple(asked), lang=lang) for m in sorted(asked, key=lambda m: m.oblique)
           if m.text.casefold() not in exclude]
    about_name = bool(asked) and _only_names(base, asked)
    asks = ASKS_ENTITY.search(base)
    if not asks or about_name or (kind is not None and kind not in _asked_kinds(asks, base)):
        return own + answer  # "Which company ...?" answered, "the car" is what the question named
    if kind is not None and len(_asked_kinds(asks, base)) == 1:  # the answer names the kind asked for
        answer = [replace(c, asked=not c.mention.titled) for c in answer]
    return answer + own


def focused(candidates: list[Candidate], last: PriorTurn, base: str) -> list[Candidate]:
    """The answer's names that answer the last question first (rag.answer.salience.in_focus);
    they are what was asked for, so of the kind asked, unless it asked for a person."""
    answer = clean_answer(last.answer)
    asks = ASKS_ENTITY.search(base)
    person = asks is not None and _asked_kinds(asks, base) == {"person"}
    rank = {id(c): in_focus(base, answer, c.mention.start, c.lang) if c.from_answer and c.text == answer else 0
            for c in candidates}
    hit = sorted((c for c in candidates if rank[id(c)]), key=lambda c: -rank[id(c)])
    return [replace(c, asked=not person) for c in hit] + [c for c in candidates if c not in hit]


def agreeing(candidates: list[Candidate], gender: str) -> list[Candidate]:
    """The candidates no person and no place whose German gender agrees ("sie": "die Switch 2")."""
    return [c for c in candidates if (c.asked or not (c.person_like or c.locative))
            and gender in gender_of(c.text, c.mention.start)]


def _asked_kinds(asks: re.Match, base: str = "") -> set[str]:
    word = asks.group(1).casefold()
    if word in ("wer", "who") and any(head_kind(w) == "person" for w in _WORD.findall(base)[1:4]):
        return {"person"}  # "Wer ist Chef von ...?", "Who is the coach of ...?": a person
    if word.startswith(("welche", "which", "what ")):
        kind = head_kind(word.split()[-1]) if " " in word else None
        return {kind} if kind else {"person", "organisation", "place", "thing"}
    if word in ("wo", "where", "wohin", "woher"):
        return {"place"}
    return {"person", "organisation"}


def _only_names(base: str, asked: list) -> bool:
    """"Wer ist Mustafa Suleyman?": a question about the name it states, not for a new one."""
    rest = base
    for m in asked:
        rest = rest.replace(m.text, " ")
    return all(w.casefold() in COPULA_QUESTION for w in _WORD.findall(rest))


def _typed(candidates: list[Candidate], kind: str | None) -> list[Candidate]:
    if kind == "person":
        return [c for c in candidates if c.person_like]
    if kind == "place":  # where the answer's event happens first (rag.answer.salience)
        places = [c for c in candidates if c.asked or (c.locative and not c.person_like)]
        return sorted(places, key=lambda c: (not c.asked, *place_rank(c.text, c.mention.start, c.lang)))
    if kind == "goal":
        return [c for c in candidates if c.goal] or [c for c in candidates if c.locative and not c.person_like]
    if kind in ("organisation", "thing"):
        return [c for c in candidates if c.asked or (not c.person_like and not c.locative)]
    return candidates


def by_apposition(candidates: list[Candidate], kind: str | None) -> list[Candidate]:
    """For a kind noun ("der Konzern", "the company"): names introduced by a noun of that kind
    first ("the media group Schibsted"); names of another known kind are dropped. A noun of no
    known kind ("its rival Credit Suisse") says nothing."""
    if kind is None:
        return candidates
    kinds = [(c, head_kind(c.apposed) if c.apposed else "") for c in candidates]
    return [c for c, k in kinds if k == kind] + [c for c, k in kinds if k in ("", None)]


def pick(candidates: list[Candidate], kind: str | None, plural: bool, english: bool) -> str | None:
    """The referent: the first candidate of the kind (person, place, goal, organisation,
    thing), or the first at all; for a plural, every name joined to it."""
    if not candidates:
        return None
    chosen = (_typed(candidates, kind) or ([] if kind in ("place", "goal") else candidates) or [None])[0]
    if chosen is None:
        return None
    if not plural:
        return chosen.mention.text
    level = _role(prominence(chosen.text, chosen.mention.start, chosen.lang))
    starts = {m.text: m.start for m in chosen.names}
    # joined names of one clause: not "Zaha Hadid Architects, The Times reported"
    group = [g for g in coordinated(chosen.text, list(chosen.names), chosen.mention.text)
             if g not in starts or _role(prominence(chosen.text, starts[g], chosen.lang)) == level]
    if len(group) == 1:  # the answer's new names as prominent as the chosen one, not those "ahead of" it
        new = [c.mention.text for c in candidates if c.from_answer and c.text == chosen.text
               and _role(prominence(c.text, c.mention.start, c.lang)) == level]
        group = new if chosen.from_answer and len(new) > 1 else group
    if len(group) == 1:
        # English "they" for a team, country or company ("Jamaica won ... they"); a person is no group
        return chosen.mention.text if english and chosen.from_answer and not chosen.person_like else None
    joiner = " and " if english else " und "
    return ", ".join(group[:-1]) + joiner + group[-1]


def _role(level: int) -> tuple[bool, int]:
    """A prominence without its clause: backgrounded, or in a prepositional phrase or not (the
    names of a plural may stand in two clauses: "Finnland trat 2023 bei, Schweden folgte 2024")."""
    return level >= BACKGROUND, level % 10


def phrase_referent(base: str, plural: bool, gender: str = "") -> str | None:
    """A noun phrase of the last question for "they"/"sie" (plural), "it", or a German
    pronoun of its gender ("es": "das Deutschlandticket", "sie": "die Voestalpine"): its
    subject first, then the question phrase's noun ("How many nurses" -> "nurses")."""
    ordered = sorted(phrases_of(base), key=lambda p: (p.wh, p.prep is not None, p.attr))
    for p in ordered:
        if p.kind != "noun" or p.plural != plural or (gender and (p.genders != gender or p.attr)):
            continue
        if _phrase_is_person(p) and not plural and gender not in ("m", "f"):
            continue
        start = p.head[0].start if p.wh or p.det is None or p.det.tag != "DET" else p.body_start
        if p.mods and not p.wh:
            start = min(start, p.mods[0].start)
        after = next((q for q in phrases_of(base) if q.attr and q.start > p.end), None)
        end = after.end if after is not None and not base[p.end:after.start].strip() else p.end
        return base[start:end]  # with its genitive: "der Chef der Bank"
    return None


def _phrase_is_person(p: Phrase) -> bool:
    return head_kind(p.head_word) == "person"

"""References to the last turn inside a follow-up, replaced by what they mean: pronouns of
every case and number ("er", "ihn", "ihm", "ihnen", "es", "they", "him"), possessives ("sein",
"its"), "dort"/"dorthin"/"there", time references ("damals", "im selben Jahr", "that year",
"at the time"), "dabei"/"dafür", and bare definite nouns of a kind ("das Unternehmen", "die
Hochschule", "der Chiphersteller", "the carmaker"). What they mean comes from the last turn
(rag.answer.referents); a reference whose antecedent stands in its own question, and an
expletive "es"/"it", stays (rag.answer.binding). Used by rag.answer.condense.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rag.answer.binding import bound_here, correlate, expletive
from rag.answer.mentions import clean_answer, dates_in, generic_head, head_kind, names_in
from rag.answer.phrases import words_of
from rag.answer.salience import backgrounded, gender_of, place_rank, venue
from rag.answer.referents import agreeing, by_apposition, focused, phrase_referent, pick, referents
from rag.text.language import detect_language
from rag.text.followup_lexicon import (
    DEFINITE_ARTICLES,
    DEMONSTRATIVES,
    EXISTENTIAL_THERE,
    PLACE_REFERENCES,
    PLURAL_VERBS,
    PRONOMINAL_ADVERBS,
    QUESTION_WORDS,
    STATE_HEADS,
    TIME_REFERENCES,
)

if TYPE_CHECKING:
    from rag.answer.condense import PriorTurn

_TOKEN = re.compile(r"[^\W_][\w'’-]*|[^\w\s]")
# A range dates no one event ("von 1986 bis 1997"); "damals" then means the question's date.
_RANGE = re.compile(r"\b(?:von|zwischen|from|between)\s+(?:\w+\s+)?(?:1[89]|20)\d\d\s*(?:bis|und|to|until|and|-|–)\s*"
                    r"(?:\w+\s+)?(?:1[89]|20)\d\d\b", re.IGNORECASE)
_AT_TIME = re.compile(r"\b(?:in|im|am|on|at|ab|seit|since|bis|until|jahr|year)\s+(?:(?:dem|the|early|late)\s+)?$",
                      re.IGNORECASE)
_START = re.compile(r"\b(?:ab|seit|since|from)\s+(?:(?:dem|the|early|late|anfang|ende|mitte)\s+)?$", re.IGNORECASE)
_POSSESSIVE_S = re.compile(r"['’]s$")
# A neuter article up to two words before a name: "das neue iPhone", "dem Medikament Leqembi".
_NEUTER_BEFORE = re.compile(r"\b(?:das|des|dem|ein|eines|einem)\s+(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
# "Was ist das Bruttoinlandsprodukt?", "What is the GDP?": asks what a thing is, about no one thing
# before (not "Was ist das Unternehmen wert?").
_DEFINITION = re.compile(r"^\W*(?:was|what)\s+(?:ist|sind|is|are)\s+(?:der|die|das|the)\s+[\w-]+\s*\?*\s*$",
                         re.IGNORECASE)
# Pronoun -> (kind of referent, plural, what binds it in its own question).
_PRONOUNS = {
    "er": ("person", False, "person-m"), "ihn": ("person", False, "person-m"), "ihm": ("person", False, "person"),
    "ihnen": (None, True, "plural"), "he": ("person", False, "person"), "him": ("person", False, "person"),
    "she": ("person", False, "person"), "they": (None, True, "plural"), "them": (None, True, "plural"),
}
_POSSESSIVES = {"sein": False, "seine": False, "seinen": False, "seinem": False, "seiner": False, "seines": False,
                "ihr": None, "ihre": None, "ihren": None, "ihrem": None, "ihrer": None, "ihres": None,
                "his": False, "her": False, "its": False, "their": True}


def _plural_sie(body: str, start: int) -> bool:
    """"Wo haben sie sich kennengelernt?": "sie" with a plural finite verb means them; "Wo ist
    sie aufgewachsen?" (a participle in -en) means her."""
    words = words_of(body, english=False)
    finite = [w for w in words if "FIN" in w.fine]
    near = min(finite, key=lambda w: abs(w.start - start), default=None)
    if near is None:
        return False
    return near.low in PLURAL_VERBS or near.low.endswith(("en", "eln", "ern"))  # "sind", "gingen", "verhandeln"


def _when(last: PriorTurn, base: str, year: bool) -> str | None:
    """The date "damals"/"then" means: the answer's, where the answer dates its event (not a
    range's end, not a source's), else the last question's."""
    told = clean_answer(last.answer)
    ranges = [m.span() for m in _RANGE.finditer(told)]
    asked = dates_in(base)
    # "ab Oktober 2009" starts a state: a question's own year is when it is asked about
    lang = detect_language(base)
    answer = [d for d in dates_in(told) if not any(a <= d.start < b for a, b in ranges)
              and not backgrounded(told, d.start, lang) and not (asked and _START.search(told[:d.start]))]
    # a date in a time phrase ("in October 2019", "im Mai") dates the event; one before a noun
    # names a thing ("the delayed 2018 prize")
    answer.sort(key=lambda d: _AT_TIME.search(told[:d.start]) is None)
    order = answer + asked
    if not order:
        return None
    date = order[0].text
    found = re.search(r"(?:1[89]|20)\d\d", date)
    return found.group(0) if year and found else date


def _at(date: str, english: bool) -> str:
    if english:
        return f"on {date.replace('.', '')}" if date[:1].isdigit() and "." in date[:3] else f"in {date}"
    if date[:1].isdigit() and "." in date[:3]:
        return f"am {date}"
    return f"im Jahr {date}" if re.fullmatch(r"\d{4}", date) else f"im {date}" if not date[:1].isdigit() else date


def _genitive(name: str, english: bool) -> str:
    if english:
        return name + ("'" if name.endswith("s") else "'s")
    return name + ("'" if name[-1:] in "sxzß" else "s")


def _attributive(word: str, body: str, start: int) -> bool:
    """"ihr bekanntester Roman", "her book": a possessive, not "ihr als", "her for"."""
    tagged = next((w for w in words_of(body) if w.start > start), None)
    return tagged is not None and tagged.tag in ("ADJ", "NOUN", "NAME", "NUM", "MONTH")


def replace_references(body: str, last: PriorTurn, base: str) -> tuple[str | None, str]:
    """`body` with its references to the last turn replaced; (None, "") when it has none."""
    tokens = list(_TOKEN.finditer(body))
    words = [t.group(0) for t in tokens]
    low = [w.casefold() for w in words]
    english = detect_language(body) == "en"
    own = {m.text.casefold() for m in names_in(body)}
    cands = referents(last, base, own)
    edits: list[tuple[int, int, str]] = []
    why: list[str] = []
    used: set[str] = set()

    def add(tok, target: str, new: str | None = None) -> None:
        edits.append((tok.start(), tok.end(), target if new is None else new))
        used.add(target)
        why.append(f"{tok.group(0)} -> {target}")

    span_time = TIME_REFERENCES.search(body)
    if span_time and not bound_here(body, span_time.start(), "time", possessive=False):
        date = _when(last, base, bool(span_time.group("year")))
        if date:
            edits.append((span_time.start(), span_time.end(), _at(date, english)))
            why.append(f"{span_time.group(0)} -> {date}")
    # Kind nouns first: a pronoun of the same clause means someone else (it pays for the airline).
    order = sorted(range(len(tokens)), key=lambda n: low[n] not in DEFINITE_ARTICLES and low[n] not in DEMONSTRATIVES)
    for i in order:
        tok, w = tokens[i], low[i]
        others = [c for c in cands if c.mention.text not in used]
        if span_time and span_time.start() <= tok.start() < span_time.end():
            continue
        polite = words[i][:1].isupper() and i > 0 and words[i - 1] not in ".!?"
        if w in _PRONOUNS or (w == "sie" and not polite) or (w == "ihr" and not polite and not english
                                                            and not _attributive(w, body, tok.end())) \
                or (w == "her" and english and not _attributive(w, body, tok.end())):
            kind, plural, need = _PRONOUNS.get(w, ("person", False, "person-f"))
            if w == "sie" and _plural_sie(body, tok.start()):
                kind, plural, need = None, True, "plural"
            if bound_here(body, tok.start(), need):
                continue
            target = None
            if not plural and not english and kind == "person":
                # German er/sie mean a person or a thing of their gender, the more prominent first:
                # "der FC Bayern ... vor Bayer Leverkusen" (er), "die Studie Vision EQXX" (sie)
                fits = agreeing(focused(others, last, base), "f" if w in ("sie", "ihr") else "m")
                target = pick([c for c in focused(others, last, base) if c.person_like or c in fits], None, False, False)
            if not plural and not english and kind == "person":  # never a name its article gives another gender
                others = [c for c in others if c.person_like or (
                    "f" if w in ("sie", "ihr") else "m") in gender_of(c.text, c.mention.start, "mfn")]
            target = target or pick(others, kind, plural, english) or (phrase_referent(base, True) if plural else None)
            if not target and not plural:
                target = pick(others, None, False, english)
            if not target and not plural and not english:  # "Wie viel Umsatz macht sie?": "die Voestalpine"
                target = phrase_referent(base, False, "f" if w in ("sie", "ihr") else "m" if w in ("er", "ihn") else "-")
            if target:
                add(tok, target)
        elif w in ("it", "es") and not expletive(body, tok.start()) and not bound_here(body, tok.start(),
                                                                                      "neuter" if w == "es" else "thing"):
            others = focused(others, last, base)  # "What did Sony launch?" - "it": what it launched
            target = (pick(others, "thing", False, english) if (others and (w == "it" or others[0].from_answer))
                      else None) or phrase_referent(base, False, "n" if w == "es" else "") or (
                pick([c for c in cands if _NEUTER_BEFORE.search(c.text[:c.mention.start])], "thing", False, english)
                if w == "es" else None)  # "das neue iPhone", "das Medikament Leqembi"
            if target:
                add(tok, target)
        elif w in _POSSESSIVES and i + 1 < len(words) and words[i + 1][:1].isalpha() and not (
                w in ("ihr", "her") and not _attributive(w, body, tok.end())):
            if w.startswith("ihr") and words[i][0].isupper() and i > 0:
                continue  # "Ihre": the polite form
            plural = _POSSESSIVES[w]
            need = ("poss-f" if w.startswith("ihr") else "poss-mn") if not english and w not in ("her", "his", "its", "their") \
                else "plural" if plural else "thing" if w == "its" else "person"
            if bound_here(body, tok.start(), need, possessive=True) or any(o in body[:tok.start()].casefold() for o in own):
                continue  # bound in its own question: "Wann hat die Deutsche Bahn ihre Preise erhöht?"
            # "its" is never a person's; "his"/"sein" first looks for one.
            want = "thing" if w == "its" else None if w == "their" or w.startswith("ihr") else "person"
            target = pick(cands, want, bool(plural), english) or pick(cands, None, False, english)
            if target:
                edits.append((tok.start(), tok.end(), f"\0{target}\0{_genitive(target, english)}"))
                why.append(f"{words[i]} -> {target}")
        elif w in PRONOMINAL_ADVERBS and not bound_here(body, tok.start(), "thing") \
                and not correlate(body, tok.start()) and (target := pick(
                [c for c in cands if c.mention.text not in used and not c.mention.person_like], None, False, english)):
            # Any thing, a place too: "in" before it need not be locative ("in Stargate fließen").
            # A thing, and another one than a pronoun of the same question means:
            # "Wie viel hat er dafür bezahlt?" (er: the buyer, dafür: what was bought).
            add(tok, target, f"{PRONOMINAL_ADVERBS[w]} {target}")
        elif PLACE_REFERENCES.fullmatch(w) and not (w == "there" and EXISTENTIAL_THERE.search(body)):
            if bound_here(body, tok.start(), "place"):
                continue
            goal = w in ("dorthin", "dahin")
            target = pick(cands, "goal" if goal else "place", False, english)
            chosen = next((c for c in cands if c.mention.text == target), None)
            where = None if goal or (chosen is not None and place_rank(chosen.text, chosen.mention.start,
                                                                      chosen.lang) == (0, 0)) \
                else venue(clean_answer(last.answer), "en" if english else "de")  # no "in X": "im Münchner Olympiastadion", not "aus London"
            if where:
                add(tok, where, where)
                continue
            # else a name no preposition marks: the question's own first ("Which bands headline Glastonbury?")
            target = target or pick(sorted((c for c in cands if not c.mention.person_like), key=lambda c: c.from_answer),
                                    None, False, english)
            if target:
                add(tok, target, f"{'nach' if goal and not english else 'in'} {target}")
        elif w in DEFINITE_ARTICLES or w in DEMONSTRATIVES:
            bare = [_POSSESSIVE_S.sub("", x) for x in words]  # "the party's leader"
            head = i + 1 if i + 1 < len(words) and generic_head(bare[i + 1]) else (
                i + 2 if i + 2 < len(words) and generic_head(bare[i + 2]) and _plain_adjective(low[i + 1]) else None)
            if head is None or _named_after(words, low, head) or _DEFINITION.match(body) \
                    or _state_bridge(generic_head(bare[head]), last):
                continue
            kind = head_kind(bare[head])
            if bound_here(body, tok.start(), "person" if kind == "person" else "place" if kind == "place" else "thing"):
                continue
            found = by_apposition(referents(last, base, own, kind), kind)
            target = pick(found, kind, False, english)
            if not target:
                continue
            same = next((c for c in found if c.mention.text == target and c.apposed), None)
            if same is not None and generic_head(same.apposed) == generic_head(bare[head]) and w not in ("des", "der"):
                used.add(target)
                target = f"{body[tok.start():tokens[head].end()]} {target}"  # "die Bank" -> "die Bank Austria"
            # "Trainer des Vereins", "Vorsitzender der Partei": a genitive becomes "von X".
            genitive = w == "des" or (w == "der" and i > 0 and words[i - 1][:1].isupper()
                                      and not generic_head(words[i - 1]) and low[i - 1] not in QUESTION_WORDS)
            owner = words[head][len(bare[head]):]
            edits.append((tok.start(), tokens[head].end(), f"von {target}" if genitive and not english else target + owner))
            used.add(target)
            why.append(f"{' '.join(words[i:head + 1])} -> {target}")
    if not edits:
        return None, ""
    out = body
    for start, end, new in sorted(edits, reverse=True):
        if new.startswith("\0"):  # a possessive: left as it is when its owner is named already
            owner, genitive = new[1:].split("\0")
            new = out[start:end] if owner in used else genitive
        out = out[:start] + new + out[end:]
    return out, "; ".join(why)


def _plain_adjective(word: str) -> bool:
    """"das neue Unternehmen", not "the largest company" (a superlative describes anew)."""
    return word.isalpha() and word.endswith(("e", "en", "er", "es", "em", "new", "old", "same")) \
        and not re.search(r"(st|ßt)e[mnrs]?$|est$|meisten$", word)


def _named_after(words: list[str], low: list[str], head: int) -> bool:
    """"the president of France", "der Chef von Siemens", "der Konzern Bosch": a noun with a
    name of its own."""
    tail = words[head + 1:head + 4]
    if tail and tail[0][:1].isupper() and tail[0].isalpha() and names_in(" ".join(words[head - 1:head + 3])):
        return any(m.text.split()[0] == tail[0] for m in names_in(" ".join(words[head - 1:head + 3])))
    # A person is named by where they are ("der Trainer bei Bayern"); a company, party or city
    # only by whose it is: "die Partei in Thüringen" is still the party of the last turn.
    person = head_kind(words[head]) == "person"
    if not tail or low[head + 1] not in ("of", "von", "des", "der") + (("in", "aus", "from", "at", "bei") if person else ()):
        return False
    return any(w[:1].isupper() for w in tail[1:]) or bool(names_in(" ".join(tail)))


def _state_bridge(head: str | None, last: PriorTurn) -> bool:
    """"die Regierung" after a turn about a company: the country's government, no referent."""
    return head in STATE_HEADS and head not in f"{last.asked} {last.answer}".casefold()

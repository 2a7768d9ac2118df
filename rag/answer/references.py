"""References to the last turn inside a follow-up, replaced by what they mean: pronouns ("er",
"they"), possessives ("sein", "its"), "dort"/"there", "damals"/"at that time", "dabei"/"dafür",
and bare definite nouns ("das Unternehmen", "the company"). The referent comes from the last
turn: for a question that asked for a name, its answer's new names (or the cited passage's
before the answer sentence), else the question's own, typed (a person for "er", no person
for "das Projekt") and, for "they", every name joined to it. Used by rag.answer.condense.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer.mentions import Mention, clean_answer, coordinated, dates_in, generic_head, head_kind, names_in
from rag.text.language import detect_language
from rag.text.lexicon import (
    ASKS_ENTITY,
    COPULA_QUESTION,
    DEFINITE_ARTICLES,
    DEMONSTRATIVES,
    EXISTENTIAL_THERE,
    IMPERSONAL_IT,
    PERSON_PRONOUNS,
    PERSONAL_PRONOUNS,
    PLACE_REFERENCES,
    PLURAL_PRONOUNS,
    PLURAL_VERBS,
    POSSESSIVE_PRONOUNS,
    PRONOMINAL_ADVERBS,
    QUESTION_WORDS,
    TIME_QUESTION,
    TIME_REFERENCES,
)
from rag.text.sentences import split_sentences

if TYPE_CHECKING:
    from rag.answer.condense import PriorTurn

_WORD = re.compile(r"[^\W_][\w'’-]*")
_TOKEN = re.compile(r"[^\W_][\w'’-]*|[^\w\s]")


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


@dataclass(frozen=True)
class _Candidate:
    mention: Mention
    text: str  # the text it was found in (for "X und Y")
    names: tuple[Mention, ...]  # every name of that text


def _referents(last: PriorTurn, base: str, exclude: set[str], kind: str | None = None) -> list[_Candidate]:
    """What the last turn named, most likely meant first: for a question that asked for a
    name ("Wer ...?", "Welche Firma ...?", "Wo ...?") its answer's new names (or, when the
    answer sentence names nobody, those of its cited passage nearest before it), else the
    question's own names, its subject first."""
    asked = names_in(base)
    known = {m.text.casefold() for m in asked} | exclude
    answer_text = clean_answer(last.answer)
    found = names_in(answer_text)
    answer = [_Candidate(m, answer_text, tuple(found)) for m in found if m.text.casefold() not in known]
    if not answer:
        for context in last.contexts:
            sentences = split_sentences(context)
            for sentence in reversed(sentences[:-1] if len(sentences) > 1 else sentences):
                found = names_in(sentence)
                answer = [_Candidate(m, sentence, tuple(found)) for m in found if m.text.casefold() not in known]
                if answer:
                    break
            if answer:
                break
    own = [_Candidate(m, base, tuple(asked)) for m in sorted(asked, key=lambda m: m.oblique)
           if m.text.casefold() not in exclude]
    about_name = bool(asked) and _only_names(base, asked)
    asks = ASKS_ENTITY.search(base)
    if not asks or about_name or (kind is not None and kind not in _asked_kinds(asks)):
        return own + answer  # "Which company ...?" answered, "the car" is what the question named
    return answer + own


def _asked_kinds(asks: re.Match) -> set[str]:
    """The kinds of thing a question asks for: "Wer" a person or an organisation, "Wo" a
    place, "Welcher Autohersteller" an organisation."""
    word = asks.group(1).casefold()
    if word.startswith(("welche", "which", "what ")):
        kind = head_kind(word.split()[-1]) if " " in word else None
        return {kind} if kind else {"person", "organisation", "place", "thing"}
    if word in ("wo", "where", "wohin", "woher"):
        return {"place"}
    return {"person", "organisation"}


def _pick(candidates: list[_Candidate], person: bool | None, plural: bool, english: bool) -> str | None:
    """The referent: of the likeliest candidates, a person for "er"/"he"/"der Politiker", no
    person for "it"/"das Projekt" (when the last turn named both); for "they", every name
    joined to it ("Larry Page und Sergey Brin")."""
    if not candidates:
        return None
    typed = [c for c in candidates if person is None or c.mention.person_like == person]
    chosen = (typed or candidates)[0]
    if not plural:
        return chosen.mention.text
    group = coordinated(chosen.text, list(chosen.names), chosen.mention.text)
    if len(group) == 1:
        return group[0]
    joiner = " and " if english else " und "
    return ", ".join(group[:-1]) + joiner + group[-1]


def _only_names(base: str, asked: list) -> bool:
    """"Wer ist Mustafa Suleyman?": a question about the name it states, not for a new one."""
    rest = base
    for m in asked:
        rest = rest.replace(m.text, " ")
    return all(w.casefold() in COPULA_QUESTION for w in _WORD.findall(rest))




def _plural_sie(low: list[str]) -> bool:
    """"Wo haben sie sich kennengelernt?": "sie" with a plural verb means them."""
    at = low.index("sie") if "sie" in low else -1
    near = low[max(0, at - 2):at] + low[at + 1:at + 2]
    return any(w in PLURAL_VERBS
               or (w.endswith("en") and w not in ("den", "einen", "seinen", "ihren", "denen")) for w in near)




def _when(last: PriorTurn, base: str) -> str | None:
    answer, asked = dates_in(clean_answer(last.answer)), dates_in(base)
    order = answer + asked if TIME_QUESTION.search(base) else asked + answer
    return order[0].text if order else None


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


def replace_references(body: str, last: PriorTurn, base: str) -> tuple[str | None, str]:
    """`body` with its references to the last turn replaced; (None, "") when it has none."""
    tokens = list(_TOKEN.finditer(body))
    words = [t.group(0) for t in tokens]
    low = [w.casefold() for w in words]
    english = detect_language(body) == "en"
    own_names = names_in(body)
    own = {m.text.casefold() for m in own_names}
    referents = _referents(last, base, own)
    edits: list[tuple[int, int, str]] = []
    why: list[str] = []
    used: set[str] = set()
    first_own = min((m.start for m in own_names), default=len(body))

    def referent(word: str = "", person: bool | None = None) -> str | None:
        plural = word in PLURAL_PRONOUNS or (word == "sie" and _plural_sie(low))
        if word in PERSON_PRONOUNS and not plural:
            person = True
        return _pick(referents, person, plural, english)

    span_time = TIME_REFERENCES.search(body)
    if span_time:
        date = _when(last, base)
        if date:
            edits.append((span_time.start(), span_time.end(), _at(date, english)))
            why.append(f"{span_time.group(0)} -> {date}")
    for i, (tok, w) in enumerate(zip(tokens, low)):
        if span_time and span_time.start() <= tok.start() < span_time.end():
            continue
        target = referent(w)
        if w in PERSONAL_PRONOUNS and target:
            if w == "sie" and words[i][0].isupper() and i > 0 and words[i - 1] not in ".!?":
                continue  # the polite "Sie" addresses the assistant
            edits.append((tok.start(), tok.end(), target))
            used.add(target)
            why.append(f"{words[i]} -> {target}")
        elif w == "it" and not IMPERSONAL_IT.search(body) and (target := referent(w, person=False)):
            edits.append((tok.start(), tok.end(), target))
            used.add(target)
            why.append(f"it -> {target}")
        elif w in POSSESSIVE_PRONOUNS and target and i + 1 < len(words) and words[i + 1][:1].isalpha():
            if w in ("ihr", "ihre", "ihren", "ihrem", "ihrer", "ihres") and words[i][0].isupper() and i > 0:
                continue  # "Ihre": the polite form
            if first_own < tok.start():
                continue  # bound in its own question: "Wann stellt BMW seinen ersten SUV vor?"
            edits.append((tok.start(), tok.end(), f"\0{target}\0{_genitive(target, english)}"))
            why.append(f"{words[i]} -> {target}")
        elif w in PRONOMINAL_ADVERBS and (target := _pick([c for c in referents if c.mention.text not in used],
                                                          False, False, english)):
            # A thing, and another one than a pronoun of the same question means:
            # "Wie viel hat er dafür bezahlt?" (er: the buyer, dafür: what was bought).
            edits.append((tok.start(), tok.end(), f"{PRONOMINAL_ADVERBS[w]} {target}"))
            used.add(target)
            why.append(f"{words[i]} -> {target}")
        elif PLACE_REFERENCES.fullmatch(w) and target and not (w == "there" and EXISTENTIAL_THERE.search(body)):
            edits.append((tok.start(), tok.end(), f"in {target}"))
            used.add(target)
            why.append(f"{words[i]} -> {target}")
        elif w in DEFINITE_ARTICLES or w in DEMONSTRATIVES:
            head = i + 1 if i + 1 < len(words) and generic_head(words[i + 1]) else (
                i + 2 if i + 2 < len(words) and generic_head(words[i + 2]) and _plain_adjective(low[i + 1]) else None)
            if head is None or _named_after(words, low, head):
                continue
            kind = head_kind(words[head])
            target = _pick(_referents(last, base, own, kind), kind == "person", False, english)
            if not target:
                continue
            # "Trainer des Vereins", "Vorsitzender der Partei": a genitive becomes "von X".
            genitive = w == "des" or (w == "der" and i > 0 and words[i - 1][:1].isupper()
                                      and not generic_head(words[i - 1]) and low[i - 1] not in QUESTION_WORDS)
            edits.append((tok.start(), tokens[head].end(), f"von {target}" if genitive and not english else target))
            used.add(target)
            why.append(f"{' '.join(words[i:head + 1])} -> {target}")
    if not edits:
        return None, ""
    out = body
    for start, end, new in sorted(edits, reverse=True):
        if new.startswith("\0"):  # a possessive: left as it is when its owner is named already
            owner, genitive = new[1:].split("\0")
            new = out[start:end] if owner in used else genitive
        out = _replace_span(out, start, end, new)
    return out, "; ".join(why)


def _plain_adjective(word: str) -> bool:
    """"das neue Unternehmen", not "the largest company" (a superlative describes anew)."""
    return word.isalpha() and word.endswith(("e", "en", "er", "es", "em", "new", "old", "same")) \
        and not re.search(r"(st|ßt)e[mnrs]?$|est$|meisten$", word)


def _named_after(words: list[str], low: list[str], head: int) -> bool:
    """"the president of France", "der Chef von Siemens": a noun with a name of its own."""
    tail = words[head + 1:head + 4]
    if not tail or low[head + 1] not in ("of", "von", "des", "der", "in", "aus", "from", "at", "bei"):
        return False
    return any(w[:1].isupper() for w in tail[1:]) or bool(names_in(" ".join(tail)))

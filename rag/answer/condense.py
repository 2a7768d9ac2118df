"""Follow-up questions made standalone, by rules, for every answer backend.

A follow-up such as "Wie viel hat er insgesamt investiert?" cannot be retrieved on its own.
`resolve_follow_up` decides whether a message depends on the last turn and rewrites it only
then, from the last question and the names its answer mentions (`rag.answer.mentions`); a
message that stands alone comes back unchanged. Word lists: rag/text/lexicon.py. Measured on
evals/followups/ (`rag eval --set followups`, evals/README.md).

Deterministic and without an LLM. The LLM rewrite the backends had (a prompt to the local
Qwen2.5-Coder-1.5B) was measured on the first 7 dev conversations: 3 passed the scorer, and 2
of those were answers, not questions ("Michael Ludwig gehört an der SPD [2]."); the rules got
7 of 7. The run was stopped there (about 4 minutes a rewrite on the shared cores), and the
LLM rewrite was removed rather than kept as an option that measures worse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

from rag.answer.ellipsis import ask_anew, carry_frame, content_poor, new_date, substitute, wh_fragment
from rag.answer.mentions import Mention, clean_answer, dates_in, names_in
from rag.answer.phrases import words_of
from rag.answer.references import replace_references
from rag.conversations import Turn
from rag.text.lexicon import PREPOSITIONS
from rag.text.followup_lexicon import (
    ABOUT_ELLIPSIS,
    BARE_WH_FILLERS,
    EVENT_PRONOUNS,
    FOLLOW_UP_LEAD,
    QUESTION_WORDS,
)
from rag.text.sentences import split_sentences


@dataclass(frozen=True)
class PriorTurn:
    """An earlier turn as the resolver reads it: what was asked (and resolved to), what was
    answered, and for each citation the cited passage up to the end of the cited sentence
    (where an answer that says "Das Unternehmen ..." finds whom it means)."""

    question: str
    answer: str = ""
    standalone: str | None = None
    contexts: tuple[str, ...] = ()

    @property
    def asked(self) -> str:
        """The question as it was searched: its standalone form when it had one."""
        return self.standalone or self.question


# What `Assistant.ask(history=...)` accepts: (question, answer text) pairs, saved turns
# (rag.conversations.Turn), or PriorTurns.
HistoryItem = Union[tuple[str, str], Turn, PriorTurn]


# Given a citation of the JSON contract, the document's text before it up to its end (the
# Assistant reads it from the index: a cited chunk may begin with "Das Unternehmen ...").
ContextLookup = Callable[[dict[str, Any]], "str | None"]


def _contexts(answer: dict[str, Any], lookup: ContextLookup | None = None) -> tuple[str, ...]:
    passages = {r.get("chunk_id"): r for r in answer.get("retrieved", [])}
    out = []
    for c in answer.get("citations", []):
        found = lookup(c) if lookup is not None else None
        if found:
            out.append(found)
            continue
        passage = passages.get(c.get("chunk_id"))
        if passage is not None and passage.get("start", 0) <= c.get("end", 0):
            out.append(str(passage.get("text", ""))[:max(0, c["end"] - passage.get("start", 0))])
        else:
            out.append(str(c.get("text", "")))
    return tuple(out)


def prior_turns(history: Sequence[HistoryItem] | None, lookup: ContextLookup | None = None,
                find: Callable[[str], "str | None"] | None = None) -> list[PriorTurn]:
    """`history` as PriorTurns, oldest first. `lookup` finds the text before a saved turn's
    citation; `find` the text before a sentence of a (question, answer) pair's answer, which
    carries no citations (an OpenAI client's messages): only the last pair is looked up."""
    out = []
    items = list(history or ())
    for n, item in enumerate(items):
        if isinstance(item, PriorTurn):
            out.append(item)
        elif isinstance(item, Turn):
            answer = item.answer or {}
            out.append(PriorTurn(item.question, "" if answer.get("refused") else item.answer_text,
                                 item.standalone, _contexts(answer, lookup)))
        else:
            question, answer_text = item
            contexts: tuple[str, ...] = ()
            if find is not None and n == len(items) - 1 and re.search(r"\[\d+\]", answer_text or ""):
                first = split_sentences(clean_answer(answer_text))[:1]
                contexts = tuple(c for c in (find(s) for s in first) if c)
            out.append(PriorTurn(str(question or ""), str(answer_text or ""), None, contexts))
    return out


@dataclass(frozen=True)
class Resolution:
    text: str  # the standalone question; the question itself when it stands alone
    depends: bool  # it depends on the history (and `text` is its rewrite)
    why: str = ""  # what was resolved, for logs and the eval's report


def resolve_follow_up(question: str, history: Sequence[PriorTurn]) -> Resolution:
    """`question` made standalone from the last turn of `history` when it depends on it:
    "Und was ist mit X?" / "What about X?" / "Und X?" put X in the last question's place;
    "Und wann?" asks the last question anew; a pronoun ("er", "they"), a place or time
    reference ("dort", "damals", "at that time"), "dabei" or a bare definite noun ("das
    Unternehmen", "the company") is replaced by what the last turn named. Anything else
    stands alone and is returned unchanged."""
    if not history or not question.strip():
        return Resolution(question, False)
    last = history[-1]
    base = FOLLOW_UP_LEAD.sub("", last.asked.strip(), count=1)
    body = FOLLOW_UP_LEAD.sub("", question.strip(), count=1)
    words = _WORD.findall(body)
    about = ABOUT_ELLIPSIS.match(question)
    if about:
        x = about.group("x") or about.group("y")
        return _resolved(substitute(base, x, idiom=True) or _substitute(base, x), question, "ellipsis: what about")
    if words and words[0].casefold() in QUESTION_WORDS and all(w.casefold() in BARE_WH_FILLERS for w in words[1:]):
        return _resolved(ask_anew(base, words[0], words[1:]), question, "ellipsis: a bare question word")
    if len(words) == 3 and words[0].casefold() in QUESTION_WORDS and words[2].casefold() in EVENT_PRONOUNS:
        return _resolved(ask_anew(base, words[0], []), question, "ellipsis: 'Wann war das?'")
    if words and words[0].casefold() in QUESTION_WORDS and len(words) <= 6 and (asked := wh_fragment(base, body)):
        return _resolved(asked, question, "ellipsis: a question word and a fragment")
    if body != question.strip() and 0 < len(words) <= 6 and not _has_verb(body):
        return _resolved(substitute(base, body) or _substitute(base, body), question, "ellipsis: a fragment")
    rewritten, why = replace_references(body, last, base)
    if rewritten is None:
        if (dated := new_date(base, body)) is not None:
            return _resolved(dated, question, "ellipsis: another date")
        if body != question.strip() and content_poor(body, led=True) and (framed := carry_frame(base, body)):
            return _resolved(framed, question, "ellipsis: the last question's frame")
        return Resolution(question, False)
    return _resolved(rewritten, question, why)


_WORD = re.compile(r"[^\W_][\w'’-]*")
_TOKEN = re.compile(r"[^\W_][\w'’-]*|[^\w\s]")


def _resolved(text: str, question: str, why: str) -> Resolution:
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    if not text.endswith(("?", ".", "!")):
        text += "?"
    return Resolution(text, text != question, why)


def _has_verb(body: str) -> bool:
    found = words_of(body)
    return any(w.tag in ("VERB", "WH") for w in found)


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _substitute(base: str, fragment: str) -> str:
    """The last question with the fragment's date, or its name, in place of the one it
    replaces (a date replaces a date; a name after "in"/"von" replaces the name after the
    same preposition, else the subject); appended when the last question has none."""
    fragment = fragment.strip(" ?!.")
    new_dates, old_dates = dates_in(fragment), dates_in(base)
    if new_dates and old_dates:
        return _replace_span(base, old_dates[0].start, old_dates[0].end, new_dates[0].text)
    new = names_in(fragment)
    if not new:  # "Linz", alone: too short for the name test, but a fragment is a name
        bare = FOLLOW_UP_LEAD.sub("", fragment)
        parts = bare.split()
        head = parts[1:] if parts and parts[0].casefold() in PREPOSITIONS else parts
        if head and all(w[:1].isupper() or w[:1].isdigit() for w in head):
            new = [Mention(" ".join(head), 0, 0)]
    old = names_in(base)
    if new and old:
        target = next((m for m in old if not m.oblique), old[0])
        prep = fragment.split()[0].casefold() if fragment.split() else ""
        if prep in PREPOSITIONS:  # "Und in Anthropic?": the name after the same preposition
            for m in old:
                if re.search(rf"\b{re.escape(prep)}\s+$", base[:m.start], re.IGNORECASE):
                    target = m
        return _replace_span(base, target.start, target.end, new[0].text)
    return f"{base.rstrip(' ?')} – {fragment}"

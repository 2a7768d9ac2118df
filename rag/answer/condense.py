"""Follow-up questions made standalone: the rewriting prompt shared by the LLM backends
(langchain, openai-compatible, local), and the heuristic used when no LLM is there.

A follow-up such as "Und wie viel hat er bezahlt?" cannot be retrieved on its own; the model
rewrites it into a standalone question using the last few turns, in the question's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence, Union

from rag.conversations import Turn
from rag.core.config import LLMSettings
from rag.text.language import detect_language

_PROMPTS = {
    "de": (
        "Du formulierst Folgefragen um. Schreibe die letzte Frage des Nutzers als eigenständige "
        "Frage, die ohne den Gesprächsverlauf verständlich ist: ersetze Pronomen und Verweise "
        "durch die gemeinten Namen und Dinge. Beantworte die Frage nicht. Antworte nur mit der "
        "umformulierten Frage, auf Deutsch."
    ),
    "en": (
        "You rewrite follow-up questions. Rewrite the user's last question as a standalone "
        "question that is understandable without the conversation: replace pronouns and "
        "references with the names and things they refer to. Do not answer it. Reply with the "
        "rewritten question only, in English."
    ),
}


def condense_messages(question: str, history: list[tuple[str, str]], settings: LLMSettings) -> list[dict[str, str]]:
    """Chat messages asking a model to rewrite `question` given (user, assistant) turns."""
    lang = detect_language(question)
    labels = ("Nutzer", "Assistent", "Folgefrage") if lang == "de" else (
        "User", "Assistant", "Follow-up question")
    lines = []
    for user, assistant in history[-settings.condense_turns:]:
        answer = assistant.strip()
        if len(answer) > settings.condense_answer_chars:
            answer = answer[:settings.condense_answer_chars].rsplit(" ", 1)[0] + " …"
        lines.append(f"{labels[0]}: {user.strip()}\n{labels[1]}: {answer}")
    transcript = "\n\n".join(lines)
    return [
        {"role": "system", "content": _PROMPTS[lang]},
        {"role": "user", "content": f"{transcript}\n\n{labels[2]}: {question.strip()}"},
    ]


def clean_condensed(text: str, fallback: str) -> str:
    """The first non-empty line of a model's rewrite, without labels/quotes; else `fallback`."""
    for line in text.strip().splitlines():
        line = re.sub(
            r"^(eigenständige frage|umformulierte frage|folgefrage|standalone question|"
            r"rewritten question|frage|question)\s*:\s*", "", line.strip(), flags=re.I,
        ).strip().strip("\"'„“”«»").strip()
        if line:
            return line
    return fallback


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


def _contexts(answer: dict[str, Any]) -> tuple[str, ...]:
    passages = {r.get("chunk_id"): r for r in answer.get("retrieved", [])}
    out = []
    for c in answer.get("citations", []):
        passage = passages.get(c.get("chunk_id"))
        if passage is not None and passage.get("start", 0) <= c.get("end", 0):
            out.append(str(passage.get("text", ""))[:max(0, c["end"] - passage.get("start", 0))])
        else:
            out.append(str(c.get("text", "")))
    return tuple(out)


def prior_turns(history: Sequence[HistoryItem] | None) -> list[PriorTurn]:
    """`history` as PriorTurns, oldest first."""
    out = []
    for item in history or ():
        if isinstance(item, PriorTurn):
            out.append(item)
        elif isinstance(item, Turn):
            answer = item.answer or {}
            out.append(PriorTurn(item.question, "" if answer.get("refused") else item.answer_text,
                                 item.standalone, _contexts(answer)))
        else:
            question, answer_text = item
            out.append(PriorTurn(str(question or ""), str(answer_text or "")))
    return out


@dataclass(frozen=True)
class Resolution:
    text: str  # the standalone question; the question itself when it stands alone
    depends: bool  # it depends on the history (and `text` is its rewrite)
    why: str = ""  # what was resolved, for logs and the eval's report


def resolve_follow_up(question: str, history: Sequence[PriorTurn]) -> Resolution:
    """`question` made standalone from the last turn of `history`, when it depends on it."""
    return Resolution(question, False)

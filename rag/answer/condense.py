"""Follow-up questions made standalone: the rewriting prompt shared by the LLM backends
(langchain, openai-compatible, local), and the heuristic used when no LLM is there.

A follow-up such as "Und wie viel hat er bezahlt?" cannot be retrieved on its own; the model
rewrites it into a standalone question using the last few turns, in the question's language.
"""

from __future__ import annotations

import re

from rag.core.config import LLMSettings
from rag.text.language import detect_language
from rag.text.lexicon import FOLLOW_UP

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


def is_follow_up(question: str) -> bool:
    return len(question.split()) <= 8 and bool(FOLLOW_UP.search(question))


def condense_heuristic(question: str, history: list[tuple[str, str]]) -> str:
    """Without an LLM: a short, pronoun-laden follow-up inherits the previous question."""
    if not history or not is_follow_up(question):
        return question
    previous = history[-1][0].strip().rstrip("?")
    return f"{previous} – {question}"

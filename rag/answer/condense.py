"""The follow-up rewriting prompt shared by the LLM backends (langchain, openai-compatible, local).

A follow-up such as "Und wie viel hat er bezahlt?" cannot be retrieved on its own; the model
rewrites it into a standalone question using the last few turns, in the question's language.
"""

from __future__ import annotations

import re

from rag.text.language import detect_language

# Older turns rarely matter for resolving "er"/"das" and only cost prompt tokens.
MAX_TURNS = 3
MAX_ANSWER_CHARS = 400

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


def condense_messages(question: str, history: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Chat messages asking a model to rewrite `question` given (user, assistant) turns."""
    lang = detect_language(question)
    labels = ("Nutzer", "Assistent", "Folgefrage") if lang == "de" else (
        "User", "Assistant", "Follow-up question")
    lines = []
    for user, assistant in history[-MAX_TURNS:]:
        answer = assistant.strip()
        if len(answer) > MAX_ANSWER_CHARS:
            answer = answer[:MAX_ANSWER_CHARS].rsplit(" ", 1)[0] + " …"
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

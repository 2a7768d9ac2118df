"""`rag chat`: an interactive conversation on the command line, saved like the UI's and the API's.

    $ rag chat
    › Wer ist der größte Kapitalgeber von OpenAI?
    › Wie viel hat er insgesamt investiert?        (searched: Wie viel hat Microsoft insgesamt investiert?)
    › /history                                      saved conversations, newest first
    › /open 3f2a                                     continue one (an id or its first characters)
    › /new                                           start a new one;  /help;  /quit (or Ctrl-D)

Each turn is saved under `paths.data_dir` (owner "local"), so `rag chat --resume` or the UI
can continue it later. Lines come from stdin, so `printf '...\\n...\\n' | rag chat` works too;
the prompt is shown only on a terminal.
"""

from __future__ import annotations

import sys
from typing import Any

from rag.cli_output import print_answer
from rag.conversations import LOCAL_OWNER
from rag.core.errors import NotFoundError, RagError

HELP = ("Ask a question, or a follow-up to the last answer. Commands: /new (a new conversation), "
        "/history (saved conversations), /open ID (continue one), /help, /quit.")


def add_arguments(p) -> None:
    """The options of `rag chat` (beside the common ones of rag.cli)."""
    from pathlib import Path

    p.add_argument("--llm", help="answer backend")
    p.add_argument("--llm-model")
    p.add_argument("--base-url")
    p.add_argument("--k", type=int)
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"])
    p.add_argument("--data-dir", type=Path, help="where conversations are saved (default: data)")
    p.add_argument("--resume", metavar="ID", help="continue a saved conversation (an id or its first characters)")
    p.add_argument("--source", action="append", metavar="NAME", help="ask only this document (repeatable)")
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--until", metavar="DATE")
    p.add_argument("--as-of", metavar="DATE")


def _find(assistant, prefix: str) -> str:
    """The id of the saved conversation `prefix` starts (NotFoundError when none or several)."""
    ids = [c.id for c in assistant.conversations.list(LOCAL_OWNER) if c.id.startswith(prefix.strip())]
    if len(ids) != 1:
        raise NotFoundError(f"No saved conversation starts with {prefix.strip()!r}." if not ids else
                            f"{len(ids)} conversations start with {prefix.strip()!r}; give more characters.")
    return ids[0]


def _history(assistant) -> None:
    rows = assistant.conversations.list(LOCAL_OWNER)
    if not rows:
        print("No saved conversations yet.")
    for c in rows:
        print(f"{c.id[:8]}  {c.updated[:16].replace('T', ' ')}  {c.turns:2d} turns  {c.title}")


def _replay(assistant, conversation_id: str) -> None:
    conversation = assistant.conversations.get(conversation_id, LOCAL_OWNER)
    print(f"Continuing “{conversation.title}” ({len(conversation.turns)} turns):")
    for turn in conversation.turns[-3:]:
        print(f"› {turn.question}\n{turn.answer_text}\n")


def run_chat(assistant, *, resume: str | None = None, options: dict[str, Any] | None = None) -> int:
    """The chat loop over stdin; returns the exit status (2 when a question failed)."""
    options = {k: v for k, v in (options or {}).items() if v}
    interactive = sys.stdin.isatty()
    conversation_id = _find(assistant, resume) if resume else None
    if conversation_id:
        _replay(assistant, conversation_id)
    elif interactive:
        print(HELP)
    status = 0
    while True:
        if interactive:
            print("› ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        command, _, argument = text.partition(" ")
        try:
            if command in ("/quit", "/exit"):
                break
            if command == "/help":
                print(HELP)
            elif command == "/new":
                conversation_id = None
                print("New conversation.")
            elif command == "/history":
                _history(assistant)
            elif command == "/open":
                conversation_id = _find(assistant, argument)
                _replay(assistant, conversation_id)
            elif command.startswith("/"):
                print(f"Unknown command {command}. {HELP}")
            else:
                conversation_id, answer = assistant.chat(text, conversation_id, owner=LOCAL_OWNER, **options)
                if answer.standalone_question:
                    print(f"(searched: {answer.standalone_question})")
                print_answer(answer)
                print()
        except RagError as exc:  # one bad question must not end the conversation
            print(f"error: {exc}", file=sys.stderr)
            status = 2
    if conversation_id:
        print(f"Saved as {conversation_id[:8]}; continue with: rag chat --resume {conversation_id[:8]}")
    return status

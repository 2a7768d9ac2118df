"""The chat's events as plain functions (`app.py` wires them, tests call them directly):
answering a question as the next turn of a saved conversation, opening, renaming and
deleting saved conversations, and the source viewer.

A failed question (`RagError`: a bad date, a missing index, an unusable backend) is an
inline message in the chat, and the question goes back into the input box; nothing is
saved. Anything else is a bug and keeps its traceback (Gradio shows a generic error).
"""

from __future__ import annotations

from typing import Any, Iterator

import gradio as gr

from rag.assistant import Assistant
from rag.conversations import LOCAL_OWNER
from rag.core.errors import NotFoundError, RagError
from rag.ui import render
from rag.ui.render_library import conversations_html, document_html

__all__ = ["LOCAL_OWNER", "owner_of", "start", "respond", "open_conversation", "rename", "delete", "open_source"]


def owner_of(assistant: Assistant, request: gr.Request | None) -> str:
    """Whose conversations these are: the API key the UI login was made with (its owner, the
    same as the key's REST calls), else the UI login's user, else the local owner (the HTTP
    API's without keys, and `rag chat`'s), so one user sees the same chats everywhere."""
    user = getattr(request, "username", None) if request is not None else None
    if not user:
        return LOCAL_OWNER
    return assistant.conversations.login_owners.get(user) or f"ui:{user}"


def _key(i: int) -> str:
    return f"a{i}"


def answer_message(assistant: Assistant, data: dict, i: int) -> dict:
    ui = assistant.settings.ui
    return {"role": "assistant", "content": render.answer_html(
        data, _key(i), low_confidence=ui.low_confidence, best_passages=ui.low_confidence_passages)}


def messages(assistant: Assistant, turns) -> tuple[list[dict], list[dict]]:
    """Chat messages and answer dicts for saved `turns` (Turn: question, answer JSON)."""
    chat, answers = [], []
    for i, turn in enumerate(turns):
        chat += [{"role": "user", "content": turn.question}, answer_message(assistant, turn.answer, i)]
        answers.append(turn.answer)
    return chat, answers


def start(message: str | None, chat: list | None) -> tuple[Any, Any, str]:
    """Runs before the queue: the question shows at once, with the status line, and the box
    empties. Returns (chat, box, pending question)."""
    question = (message or "").strip()
    if not question:
        return gr.skip(), gr.skip(), ""
    if chat and chat[-1].get("role") == "assistant" and "rag-status" in str(chat[-1].get("content")):
        # One question at a time per chat: two streams would overwrite each other's messages
        # (and a new chat would be saved twice). The typed question stays in the box.
        gr.Info("Bitte warten, die letzte Antwort kommt noch. / Please wait for the answer in progress.")
        return gr.skip(), gr.skip(), ""
    chat = list(chat or []) + [{"role": "user", "content": question},
                               {"role": "assistant", "content": render.status_html("searching")}]
    return chat, "", question


def respond(assistant: Assistant, question: str, chat: list | None, cid: str | None, answers: list | None,
            owner: str, backend: str | None = None, k: Any = None, mode: str | None = None,
            since: str | None = None, until: str | None = None, sources: list | None = None,
            ) -> Iterator[tuple[Any, ...]]:
    """Stream one answer as the next turn of conversation `cid` (a new one when empty).

    Yields (chat, box, cid, answers, conversation list, timings); `gr.skip()` leaves an
    output as it is (the box keeps what the user types meanwhile). Each yield is a fresh list.
    """
    if not question:
        return
    skip = gr.skip
    chat, answers = list(chat or []), list(answers or [])
    if not chat or chat[-1].get("role") != "assistant":  # called without `start` (tests, API)
        chat += [{"role": "user", "content": question},
                 {"role": "assistant", "content": render.status_html("searching")}]
    stage, text, data = "searching", "", None
    options = dict(k=int(k) if k else None, mode=mode or None, llm=backend or None,
                   since=(since or "").strip() or None, until=(until or "").strip() or None,
                   sources=list(sources) if sources else None)
    try:
        # In the Assistant's pool, first come first served with the API's questions.
        for kind, value in assistant.pool_for(options["llm"]).stream(
                lambda: assistant.chat_stream(question, cid or None, owner=owner, **options)):
            if kind == "status":
                stage = value
            elif kind == "queue":  # the local model answers others first: this question's place
                stage = render.queue_stage(value)
            elif kind == "token":
                text += value
                stage = stage if stage in render.STAGES else "writing"  # out of the queue
            elif kind == "answer":
                data = value.to_json()
                continue
            elif kind == "conversation":
                cid = value
                continue
            else:
                continue
            chat[-1] = {"role": "assistant", "content": render.status_html(stage, text)}
            yield list(chat), skip(), skip(), skip(), skip(), skip()
    except RagError as exc:
        chat[-1] = {"role": "assistant", "content": render.error_html(str(exc))}
        yield list(chat), question, skip(), skip(), skip(), skip()
        return
    except Exception:
        # A bug: say so in place of the status line (which would otherwise block the next
        # question), then let it propagate with its traceback to the server log.
        chat[-1] = {"role": "assistant", "content": render.error_html(
            "Interner Fehler, siehe Server-Log. / Internal error, see the server log.")}
        yield list(chat), question, skip(), skip(), skip(), skip()
        raise
    assert data is not None
    chat[-1] = answer_message(assistant, data, len(answers))
    answers.append(data)
    yield (list(chat), skip(), cid, answers, conversation_list(assistant, owner, cid),
           render.timings_markdown(data.get("timings_ms"), data.get("backend", "")))


# -- saved conversations ----------------------------------------------------------------------
def conversation_list(assistant: Assistant, owner: str, active: str | None) -> str:
    return conversations_html(assistant.conversations.list(owner), active)


def open_conversation(assistant: Assistant, cid: str | None, owner: str) -> tuple[list, str, list, str, str]:
    """(chat, cid, answers, title, conversation list) of a saved conversation; an unknown id
    (deleted, or another user's) opens an empty chat."""
    if cid:
        try:
            conv = assistant.conversations.get(cid, owner)
        except NotFoundError:
            conv = None
        if conv is not None:
            chat, answers = messages(assistant, conv.turns)
            return chat, conv.id, answers, conv.title, conversation_list(assistant, owner, conv.id)
    return [], "", [], "", conversation_list(assistant, owner, None)


def rename(assistant: Assistant, cid: str | None, title: str | None, owner: str) -> tuple[str, str]:
    """(title, conversation list) after renaming the open conversation."""
    title = (title or "").strip()
    if not cid or not title:
        return gr.skip(), gr.skip()
    try:
        assistant.conversations.rename(cid, owner, title)
    except RagError as exc:
        gr.Warning(render.esc(str(exc)))
        return gr.skip(), gr.skip()
    return title, conversation_list(assistant, owner, cid)


def delete(assistant: Assistant, cid: str | None, owner: str) -> tuple[list, str, list, str, str]:
    """Delete the open conversation; returns `open_conversation`'s outputs for a new chat."""
    if cid:
        try:
            assistant.conversations.delete(cid, owner)
        except NotFoundError:
            pass  # already gone (another tab): the list below shows it
    return open_conversation(assistant, None, owner)


# -- the source viewer ------------------------------------------------------------------------
def open_source(assistant: Assistant, target: str | None, answers: list | None) -> str:
    """The whole document behind citation `target` ("a<turn>-<n>") of the open chat, with
    every span that answer cites in it highlighted and the clicked citation's in focus."""
    try:
        turn, n = (target or "").removeprefix("a").split("-")
        data = (answers or [])[int(turn)]
        cited = next(c for c in data["citations"] if int(c["n"]) == int(n))
    except (ValueError, IndexError, StopIteration, KeyError):
        return '<p class="rag-empty">Diese Quelle ist nicht mehr offen. / This source is no longer open.</p>'
    try:
        doc = assistant.document(cited["source"]).to_json()
    except RagError as exc:
        return f'<p class="rag-empty">{render.esc(exc)}</p>'
    same = [c for c in data["citations"] if c["source"] == cited["source"]]
    marks = [span for c in same for span in render.citation_spans(c)]
    focus = render.citation_spans(cited)
    stale = any(doc["text"][c["start"]:c["end"]] != c["text"] for c in same)
    if stale:  # the file changed since the answer: say so rather than highlight the wrong words
        doc["note"] = ("the document changed since this answer; the highlighted spans may be off. "
                       + (doc.get("note") or "")).strip()
    return document_html(doc, marks, focus)

"""`/v1`: the OpenAI chat-completions protocol, so Open WebUI, editors, agents and the official
`openai` client can ask, and keep the citations.

- `GET /v1/models`: one model per usable answer backend, `rag-<backend>`.
- `POST /v1/chat/completions`: the last user message is the question, earlier user/assistant
  turns its history (a follow-up is made standalone as in the UI). The text carries the [n]
  markers; a top-level `citations` list (the JSON contract's) explains them. Streamed, the
  chunk with `finish_reason` carries `citations`.

Only verified text is streamed: the citation check may renumber, drop or withhold claims
(`rag/answer/citations.py`), and text a client has rendered cannot be taken back. The role
chunk goes out when generation starts; the text follows once it is checked. With the default
extractive backend that costs nothing (the answer is complete when its first piece is).
While a queued backend (the local LLM) answers others first, chunks with an empty delta
carry `"queue": {"position": n}` (1 = next), each time the place changes.

Questions run in the Assistant's pools (`Assistant.pool_for`), first come first served; the
handlers only await them, so the event loop is never held.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any, AsyncIterator, Callable

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from rag.api.errors import ApiError, add_catch_all, from_rag_error
from rag.api.schemas import ChatCompletionRequest, ChatMessage
from rag.assistant import Assistant
from rag.core.errors import RagError

log = logging.getLogger("rag.api")
PREFIX = "rag-"
# Registered for tests only; listed when it is the configured backend (the tests' servers).
_TEST_BACKENDS = {"fake"}


def model_ids(assistant: Assistant) -> list[str]:
    """`rag-<backend>` for every usable backend, the configured default first."""
    default = assistant.settings.llm.backend
    names = [r["name"] for r in assistant.backends()
             if r["usable"] and (r["name"] not in _TEST_BACKENDS or r["name"] == default)]
    names.sort(key=lambda n: n != default)
    return [PREFIX + n for n in names]


def backend_for(assistant: Assistant, model: str) -> str:
    if model not in model_ids(assistant):
        raise ApiError(404, f"The model `{model}` does not exist. Models: {', '.join(model_ids(assistant))}.",
                       param="model", code="model_not_found")
    return model.removeprefix(PREFIX)


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """(question, [(user, assistant), ...]) from OpenAI messages. System and tool messages are
    left out: the answer's instructions are ours, and documents are its only source."""
    turns = [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ApiError(400, "The last message must be the user's question.", param="messages")
    history: list[tuple[str, str]] = []
    asked: str | None = None
    for role, text in turns[:-1]:
        if role == "user":
            if asked is not None:  # two user turns in a row: the first went unanswered
                history.append((asked, ""))
            asked = text
        else:
            history.append((asked or "", text))
            asked = None
    if asked is not None:
        history.append((asked, ""))
    return turns[-1][1], history


def _sse(obj: dict[str, Any]) -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False, separators=(',', ':'))}\n\n"


async def _chain(first: Any, rest: AsyncIterator) -> AsyncIterator:
    yield first
    async for item in rest:
        yield item


async def _stream(events: AsyncIterator, first: tuple[str, Any], base: dict[str, Any]) -> AsyncIterator[str]:
    """The SSE body: role chunk, the queue place while waiting, the verified text in word
    pieces, the finishing chunk with the citations, [DONE]. An error after the start is an
    `error` event (the status is sent)."""
    def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
        return _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    try:
        yield chunk({"role": "assistant", "content": ""})
        answer, place = None, None
        async for kind, value in _chain(first, events):
            if kind == "answer":
                answer = value
            elif kind == "queue" and value != place:
                place = value
                yield chunk({}, queue={"position": place})
        for piece in re.findall(r"\s*\S+", answer.text):
            yield chunk({"content": piece})
        yield chunk({}, "stop", citations=answer.to_json()["citations"])
        yield "data: [DONE]\n\n"
    except RagError as exc:
        yield from_rag_error(exc).sse()
    except Exception:  # a bug: logged with its traceback, reported without it
        log.exception("chat completion stream failed")
        yield ApiError(500, "Internal server error; see the server log.", "server_error").sse()
    finally:
        # A client that went away must not hold a backend (the local LLM's slot): closing
        # the events stops the worker's generator at its next event.
        await events.aclose()


def v1_router(assistant: Assistant, auth: Callable) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], dependencies=[Depends(auth)])
    created = int(time.time())

    def model_obj(model_id: str) -> dict[str, Any]:
        return {"id": model_id, "object": "model", "created": created, "owned_by": "rag"}

    @router.get("/models", summary="List models: one per usable answer backend")
    def list_models() -> dict[str, Any]:
        return {"object": "list", "data": [model_obj(m) for m in model_ids(assistant)]}

    @router.get("/models/{model_id}", summary="Describe one model")
    def get_model(model_id: str) -> dict[str, Any]:
        backend_for(assistant, model_id)
        return model_obj(model_id)

    @router.post("/chat/completions", response_model=None,
                 summary="Answer the last user message, with [n] markers and a citations list")
    async def chat_completions(req: ChatCompletionRequest):
        if req.n is not None and req.n != 1:  # n copies of one deterministic answer would be noise
            raise ApiError(400, f"n={req.n} is not supported: rag gives one answer per question, checked against "
                                "the documents. Leave n out or send n=1.", param="n", code="unsupported_value")
        backend = backend_for(assistant, req.model)
        question, history = conversation(req.messages)
        cid, now = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        pool = assistant.pool_for(backend)
        if not req.stream:
            answer = await pool.run(assistant.ask, question, history, llm=backend)
            return {
                "id": cid, "object": "chat.completion", "created": now, "model": req.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                             "finish_reason": "stop", "logprobs": None}],
                "citations": answer.to_json()["citations"],
            }
        events = pool.astream(lambda: assistant.stream(question, history, llm=backend))
        # Run up to the first event here: an empty question, a missing index or an unusable
        # backend is then a proper HTTP error, not an error event inside a 200 stream.
        try:
            first = await events.__anext__()
        except BaseException:
            await events.aclose()
            raise
        base = {"id": cid, "object": "chat.completion.chunk", "created": now, "model": req.model}
        return StreamingResponse(_stream(events, first, base), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    add_catch_all(router)
    return router

"""A scripted backend for tests, registered like any other (haystack's mock generator idea).

Choose it with `llm.backend = "fake"`. Replies come from `ctx.extra["replies"]` (a list
consumed in order, cycling) or `RAG_FAKE_REPLIES` (JSON list); by default it cites passage 1
with its first sentence. Every request is recorded in `requests` for assertions.
"""

from __future__ import annotations

import json
import os
import re
from typing import Iterator

from rag.backends import register
from rag.backends.base import BackendContext, GenerationRequest
from rag.text.sentences import split_sentences


class FakeBackend:
    name = "fake"

    def __init__(self, replies: list[str] | None = None):
        self.replies = list(replies or [])
        self.requests: list[GenerationRequest] = []
        self._next = 0

    def _reply_for(self, request: GenerationRequest) -> str:
        self.requests.append(request)
        if self.replies:
            reply = self.replies[self._next % len(self.replies)]
            self._next += 1
            return reply
        if not request.passages:
            return "Dazu steht in den Dokumenten nichts."
        first = split_sentences(request.passages[0].chunk.text)[0]
        return f"{first} [1]"

    def generate(self, request: GenerationRequest) -> str:
        return self._reply_for(request)

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        text = self._reply_for(request)
        for piece in re.findall(r"\S+\s*", text):
            yield piece



@register("fake", "Scripted replies for tests; records every request.")
def _factory(ctx: BackendContext) -> FakeBackend:
    replies = ctx.extra.get("replies")
    if replies is None and os.environ.get("RAG_FAKE_REPLIES"):
        replies = json.loads(os.environ["RAG_FAKE_REPLIES"])
    return FakeBackend(replies)

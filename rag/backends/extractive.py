"""The offline default backend: the extractive reader's answer (`rag.answer.reader`), no LLM."""

from __future__ import annotations

import re
from typing import Iterator

from rag.answer.prompting import refusal
from rag.answer.reader.extractive import ExtractiveReader
from rag.answer.reader.wording import answer_text
from rag.backends import register
from rag.backends.base import BackendContext, GenerationRequest
from rag.core.config import ReaderSettings


class ExtractiveBackend:
    name = "extractive"
    computes = True  # all of its work is this process's CPU: served from the compute pool

    def __init__(self, reader: ExtractiveReader):
        self.reader = reader

    def generate(self, request: GenerationRequest) -> str:
        reading = request.reading
        if reading is None:
            reading = self.reader.read(request.analysis, request.passages)
        chosen = reading.selected
        return answer_text(chosen, request.language) if chosen else refusal(request.language)

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        yield from re.findall(r"\S+\s*", self.generate(request))



@register("extractive", "Offline default: cites the best-matching passage sentences; no LLM.")
def _factory(ctx: BackendContext) -> ExtractiveBackend:
    return ExtractiveBackend(ctx.reader or ExtractiveReader(ReaderSettings()))

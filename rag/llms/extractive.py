"""The offline default: answer with the passage sentences that best answer the question.

No LLM, so nothing is invented: every answer sentence is a verbatim sentence of a passage,
cited with its passage number. A sentence is scored by idf-weighted coverage of the
question's stemmed terms plus its embedding similarity to the question; when the best one is
too weak, the backend refuses in the question's language instead of guessing.
"""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np

from rag.lexical import tokenize
from rag.llms import register
from rag.llms.base import BackendContext, GenerationRequest
from rag.prompting import condense_heuristic, refusal
from rag.sentences import sentence_spans


class ExtractiveBackend:
    name = "extractive"

    def __init__(self, ctx: BackendContext):
        self._ctx = ctx
        self.max_sentences = ctx.answer.max_sentences
        self.relative_score = ctx.answer.relative_score
        self.min_score = ctx.answer.min_score
        # Injected by the Assistant: token -> idf over the whole index.
        self.idf = ctx.extra.get("idf", lambda token: 1.0)
        # Cosines are mapped to 0..1 between these; they suit multilingual-e5.
        self.cos_floor = ctx.extra.get("cos_floor", 0.80)
        self.cos_ceiling = ctx.extra.get("cos_ceiling", 0.90)

    def _candidates(self, request: GenerationRequest):
        for number, hit in enumerate(request.passages, start=1):
            chunk = hit.chunk
            for s, e in sentence_spans(chunk.text):
                text = chunk.text[s:e]
                if len(text.split()) >= 4:
                    yield number, hit, text

    def select(self, request: GenerationRequest) -> list[tuple[int, str, float]]:
        """Chosen (passage number, sentence, score), best first; empty means refuse."""
        candidates = list(self._candidates(request))
        terms = set(tokenize(request.question))
        if not candidates or not terms:
            return []
        weights = {t: self.idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        tokens = [set(tokenize(text)) for _, _, text in candidates]  # stemming is the costly part
        lexical = np.array([sum(w for t, w in weights.items() if t in toks) / total for toks in tokens])
        dense = np.zeros(len(candidates))
        embedder = self._ctx.embedder() if self._ctx.embedder else None
        if embedder is not None:
            q = embedder.encode_queries([request.question])[0]
            cos = embedder.encode_documents([t for _, _, t in candidates]) @ q
            dense = np.clip((cos - self.cos_floor) / (self.cos_ceiling - self.cos_floor), 0, 1)
        # A German question's words are strong evidence; an English question shares only
        # names with German passages, so its score rests on meaning alone.
        lex_weight = 0.7 if request.language == "de" else 0.0
        scores = lex_weight * lexical + (1 - lex_weight) * dense
        order = np.argsort(-scores, kind="stable")
        best = int(order[0])
        if scores[best] < self.min_score:
            return []
        chosen: list[tuple[int, str, float]] = []
        for i in order[: self.max_sentences * 2]:
            if len(chosen) >= self.max_sentences or scores[i] < self.relative_score * scores[best]:
                break
            if all(candidates[i][2] != text for _, text, _ in chosen):  # overlapping chunks repeat
                chosen.append((candidates[i][0], candidates[i][2], float(scores[i])))
        return chosen

    def generate(self, request: GenerationRequest) -> str:
        chosen = self.select(request)
        if not chosen:
            return refusal(request.language)
        parts = []
        for number, sentence, _ in chosen:
            body = sentence.strip()
            tail = body[-1] if body[-1] in ".!?" else "."
            body = body[:-1] if body[-1] in ".!?" else body
            parts.append(f"{body} [{number}]{tail}")
        return " ".join(parts)

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        yield from re.findall(r"\S+\s*", self.generate(request))

    def condense(self, question: str, history: list[tuple[str, str]]) -> str:
        return condense_heuristic(question, history)


@register("extractive", "Offline default: cites the best-matching passage sentences; no LLM.")
def _factory(ctx: BackendContext) -> ExtractiveBackend:
    return ExtractiveBackend(ctx)

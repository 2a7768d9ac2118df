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
        self.min_support = ctx.answer.min_support
        # Injected by the Assistant: token -> idf over the whole index.
        self.idf = ctx.extra.get("idf", lambda token: 1.0)
        # Cosines are mapped to 0..1 between these; they suit multilingual-e5.
        self.cos_floor = ctx.extra.get("cos_floor", 0.78)
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
        lexical = np.array([
            sum(w for t, w in weights.items() if t in set(tokenize(text))) / total
            for _, _, text in candidates
        ])
        dense = np.zeros(len(candidates))
        embedder = self._ctx.embedder() if self._ctx.embedder else None
        if embedder is not None:
            q = embedder.encode_queries([request.question])[0]
            cos = embedder.encode_documents([t for _, _, t in candidates]) @ q
            dense = np.clip((cos - self.cos_floor) / (self.cos_ceiling - self.cos_floor), 0, 1)
        # Cross-lingual questions share few words with the passages; trust meaning more.
        lex_weight = 0.5 if request.language == "de" else 0.2
        rank_prior = np.array([1.0 / (1 + 0.05 * (h.rank - 1)) for _, h, _ in candidates])
        scores = (lex_weight * lexical + (1 - lex_weight) * dense) * rank_prior
        order = np.argsort(-scores, kind="stable")
        best = int(order[0])
        if scores[best] < self.min_support:
            return []
        chosen = [(candidates[best][0], candidates[best][2], float(scores[best]))]
        covered = {t for t in terms if t in set(tokenize(candidates[best][2]))}
        for i in order[1:]:
            if len(chosen) >= self.max_sentences or scores[i] < 0.85 * scores[best]:
                break
            new_terms = {t for t in terms if t in set(tokenize(candidates[i][2]))} - covered
            if candidates[i][2] != chosen[0][1] and new_terms:
                chosen.append((candidates[i][0], candidates[i][2], float(scores[i])))
                covered |= new_terms
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

"""Evidence passages: each passage trimmed to its sentences that bear on the question.

A small local model (Qwen 1.5B) given five whole passages reads about a thousand tokens of
mostly irrelevant text; it then refuses or copies a passage header. Handing it only the
best-scoring sentences (scored as the extractive backend scores them) keeps the passage
numbers, so its [n] citations still point at the passages the user is shown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from rag.answer.reader.candidates import candidates
from rag.answer.reader.extractive import ExtractiveReader
from rag.core.types import Hit, QuestionAnalysis


def evidence_passages(analysis: QuestionAnalysis, hits: Sequence[Hit], reader: ExtractiveReader,
                      n_sentences: int) -> tuple[Hit, ...]:
    """`hits` with each chunk's text cut to its selected sentences, in their original order;
    a passage without any keeps an empty text (and its number). Each sub-question of a
    compound question gets its share of the `n_sentences`."""
    cands = candidates(hits)
    if not cands:
        return tuple(hits)
    per_part = max(1, n_sentences // len(analysis.parts))
    chosen: set[int] = set()
    for part in analysis.parts:
        scores = reader.score(part, cands, analysis.language).scores
        chosen.update(int(i) for i in np.argsort(-np.asarray(scores), kind="stable")[:per_part])
    keep: dict[int, list[str]] = {}
    for i in sorted(chosen):
        c = cands[i]
        # A sentence that points back ("Dieses Team ...") is unreadable without its antecedent.
        kept = keep.setdefault(c.number, [])
        kept.extend(t for t in c.with_antecedent() if t not in kept)
    out = []
    for number, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        sentences = sorted(keep.get(number, []), key=lambda s: chunk.text.find(s))
        # The cut text has other sentence offsets: its stored sentence vectors do not apply.
        out.append(replace(hit, chunk=replace(chunk, text=" ".join(sentences)), sentences=None))
    return tuple(out)

"""Oracle passages: the indexed chunks that hold an eval item's gold answer.

`rag eval --passages oracle` hands these to the backend instead of the retrieved passages.
The answer match the backend then reaches is the best that perfect retrieval could give
it, so a run with and one without split the misses into retrieval misses and reading
misses (what ragas reports as context recall against answer correctness).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rag.evaluation import metrics as m
from rag.core.types import Chunk, Hit

# Enough for the multi-document items (one chunk per required element), few enough that
# the reader is not handed a whole article.
MAX_ORACLE_PASSAGES = 3


def _elements(item: dict[str, Any]) -> list[dict[str, Any]]:
    """What an answer must contain, as items `answer_match` can check one at a time."""
    if not item.get("require_all"):
        return [item]
    return ([{"answers": [g]} for g in item.get("answers") or []]
            + [{"answer_patterns": [p]} for p in item.get("answer_patterns") or []])


def oracle_passages(ranked: Iterable[Chunk], item: dict[str, Any],
                    max_passages: int = MAX_ORACLE_PASSAGES) -> tuple[Hit, ...]:
    """For each required element of the gold answer, the first chunk of a gold source that
    contains it, in `ranked` order. `ranked` is every chunk, best first for the question:
    the retriever's order, so that of the chunks that mention "Suleyman" the one about his
    new role is taken, not the first one in the article. Empty for unanswerable items, and
    when no single chunk holds the answer (a gold string that straddles two chunks)."""
    sources = set(item.get("sources") or [])
    if not sources:
        return ()
    ordered = [c for c in ranked if c.source in sources]
    chosen: list[Chunk] = []
    for element in _elements(item):
        found = next((c for c in ordered if m.answer_match(element, c.text)), None)
        if found is not None and found not in chosen:
            chosen.append(found)
    return tuple(Hit(chunk=c, score=1.0, rank=i) for i, c in enumerate(chosen[:max_passages], start=1))


def oracle_for_items(items: Iterable[dict[str, Any]], rank: Callable[[str], Iterable[Chunk]],
                     ) -> tuple[dict[str, tuple[Hit, ...]], list[str]]:
    """(question -> oracle passages, ids of answerable items without any). `rank(question)`
    gives every chunk, best first. Unanswerable items get none: they keep retrieval."""
    oracle: dict[str, tuple[Hit, ...]] = {}
    missing: list[str] = []
    for item in items:
        if item["type"] == "unanswerable":
            continue
        passages = oracle_passages(rank(item["question"]), item)
        if passages:
            oracle[item["question"]] = passages
        else:
            missing.append(item["id"])
    return oracle, missing

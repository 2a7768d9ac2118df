"""Near misses in `rag eval`: make them for a set's answerable questions, and ask each
written question of the set's corpus and each near miss of its round (nearmiss_corpus)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.evaluation.nearmiss import GoldQuestion, NearMiss, near_misses
from rag.evaluation.nearmiss_corpus import NearMissRounds
from rag.evaluation.runner import NEAR_MISS


def corpus_documents(assistant: Assistant) -> dict:
    """Every document of an Assistant's documents folder (imported rows included), by source."""
    from rag.ingest.documents import load_documents

    report = load_documents(Path(assistant.settings.paths.seeds_dir), assistant.settings.ingest)
    return {doc.source: doc for doc in report.documents}


def plan(base: Assistant, questions: Iterable[GoldQuestion], work: Path
         ) -> tuple[NearMissRounds, dict[str, str]]:
    """The clean near misses of `questions` over `base`'s corpus, in rounds under `work`,
    and why the other questions have none."""
    found, excluded = near_misses(questions, corpus_documents(base))
    return NearMissRounds(base, work, found), excluded


def near_miss_items(rounds: NearMissRounds) -> list[dict[str, Any]]:
    """Eval items for the near misses, round by round (each round's index is built once)."""
    return [{"id": nm.qid, "question": nm.question, "answers": [], "sources": [], "type": NEAR_MISS,
             "near_miss_of": nm.base, "split": nm.split or "test"}
            for members in rounds.rounds for nm in members]


def exclusion_summary(excluded: dict[str, str]) -> dict[str, Any]:
    """How many answerable questions have no clean near miss, by kind of reason, and which."""
    kinds = Counter(reason.split(":", 1)[0] for reason in excluded.values())
    return {"n": len(excluded), "by_reason": dict(kinds), "questions": excluded}


def asker(ask: Callable[[Assistant, str, Any], dict[str, Any]], base: Assistant,
          rounds: NearMissRounds | None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`ask_item` for `run_eval`: a written question goes to `base`, a near miss to its
    round's Assistant with its filter; `ask(assistant, question, where)` answers."""
    by_id: dict[str, NearMiss] = {nm.qid: nm for members in (rounds.rounds if rounds else []) for nm in members}

    def ask_item(item: dict[str, Any]) -> dict[str, Any]:
        nm = by_id.get(item["id"]) if item["type"] == NEAR_MISS else None
        if nm is None:
            return ask(base, item["question"], item.get("where"))
        return ask(rounds.assistant(rounds.round_of[nm.qid]), nm.question, rounds.where(nm))

    return ask_item

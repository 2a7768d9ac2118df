"""Load the eval set, ask the system under test, score every answer and aggregate.

The system under test is any callable ``ask(question) -> dict`` returning the JSON contract
of ``Answer.to_json()`` (``answer``, ``refused``, ``citations``, ``retrieved``,
``timings_ms``...). Nothing here knows how answers are produced.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rag.core.errors import InputError, RagError
from rag.evaluation import metrics as m
from rag.evaluation.records import evidence
from rag.evaluation.refusal_metrics import refusal_metrics, reliability_bins, right_probability

TYPES = ("fact", "paraphrase", "multi", "temporal", "crosslingual", "unanswerable")
# Made by the eval, never written in a questions file: an answerable question asked of its
# sources with the sentences holding its answer removed (rag/evaluation/nearmiss.py).
NEAR_MISS = "near_miss"
REPORT_TYPES = TYPES + (NEAR_MISS,)
REQUIRED_FIELDS = {"id": str, "question": str, "answers": list, "sources": list, "type": str}
# "dev": tune on it. "test": frozen, never tuned on, only grows; reports and CI floors use it.
# An item without a split is a test item.
SPLITS = ("dev", "test")

# Metrics averaged over answerable questions; unanswerable ones only feed refusal metrics.
ANSWER_METRICS = (
    "answer_match", "token_f1", "chrf",
    "hit@1", "hit@3", "hit@5", "mrr@10",
    "citation_validity", "citation_precision", "citation_recall", "states_change",
)  # fmt: skip
# Higher is better for everything listed except these (used to colour diffs).
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "latency_p50_ms", "latency_p95_ms", "errors",
                             "judge_errors", "ece", "fr10_false_refusals"})


@dataclass
class EvalResult:
    """Per-question scores plus aggregates; `write_report` turns it into files."""

    per_question: list[dict[str, Any]]
    overall: dict[str, float | None]
    by_type: dict[str, dict[str, float | None]]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_questions(self) -> int:
        return len(self.per_question)


def load_items(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate a questions JSONL file (blank lines and ``#`` lines are skipped).

    Raises `InputError` naming the file and line for malformed JSON, missing or mistyped
    fields, unknown types, duplicate ids, or gold data inconsistent with the type.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read eval questions {path}: {exc}") from exc
    items: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        _validate(item, where)
        if item["id"] in seen:
            first = seen[item["id"]]
            raise InputError(f"{where}: duplicate id {item['id']!r} (first on line {first})")
        seen[item["id"]] = lineno
        items.append(item)
    if not items:
        raise InputError(f"{path}: no questions found")
    return items


def select_split(items: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The items of one split ("dev" or "test"), or all of them ("all")."""
    if split == "all":
        return list(items)
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; use dev, test or all")
    return [item for item in items if item.get("split", "test") == split]


def _validate(item: Any, where: str) -> None:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(item).__name__}")
    for name, kind in REQUIRED_FIELDS.items():
        if name not in item:
            raise InputError(f"{where}: missing required field {name!r}")
        if not isinstance(item[name], kind):
            raise InputError(f"{where}: field {name!r} must be a {kind.__name__}")
    if not item["id"].strip() or not item["question"].strip():
        raise InputError(f"{where}: 'id' and 'question' must not be empty")
    if item["type"] not in TYPES:
        raise InputError(f"{where}: unknown type {item['type']!r}; use one of {', '.join(TYPES)}")
    patterns = item.get("answer_patterns", [])
    if not isinstance(patterns, list):
        raise InputError(f"{where}: 'answer_patterns' must be a list")
    for p in patterns:
        try:
            re.compile(p)
        except (re.error, TypeError) as exc:
            raise InputError(f"{where}: invalid regex in 'answer_patterns': {p!r} ({exc})") from exc
    if item.get("split", "test") not in SPLITS:
        raise InputError(f"{where}: unknown split {item['split']!r}; use one of {', '.join(SPLITS)}")
    has_gold = bool(item["answers"] or patterns)
    if item["type"] == "unanswerable":
        if has_gold or item["sources"]:
            raise InputError(f"{where}: unanswerable items need empty 'answers' and 'sources'")
    elif not has_gold or not item["sources"]:
        raise InputError(f"{where}: answerable items need 'answers' (or patterns) and 'sources'")


def score_item(item: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """Score one response (the JSON contract) against one eval item.

    Answerable items get answer, retrieval and citation metrics; citation metrics only when
    the system did not refuse (a refusal is already counted by `false_refusal`).
    Unanswerable items get only `correct_refusal`. Missing metrics are ``None``.
    """
    answer = str(response.get("answer") or "")
    refused = bool(response.get("refused", False))
    citations = list(response.get("citations") or [])
    retrieved = [str(r.get("source", "")) for r in response.get("retrieved") or []]
    cited = [str(c.get("source", "")) for c in citations]
    gold_sources = item["sources"]
    golds = list(item["answers"])
    answerable = item["type"] not in ("unanswerable", NEAR_MISS)
    row: dict[str, Any] = {
        "id": item["id"],
        "type": item["type"],
        "question": item["question"],
        "answerable": answerable,
        "refused": refused,
        "answer": answer,
        "gold": golds,
        "gold_sources": gold_sources,
        "cited_sources": m.unique_in_order(cited),
        "retrieved_sources": m.unique_in_order(retrieved),
        "latency_ms": (response.get("timings_ms") or {}).get("total"),
        "error": response.get("error"),
        "backend": response.get("backend"),
        **evidence(response),  # what the report shows of the answer (cited passages, confidence)
    }
    row.update({k: None for k in ANSWER_METRICS})
    row["correct_refusal"] = None
    row["false_refusal"] = None
    row["near_miss_refused"] = None
    if item["type"] == NEAR_MISS:
        row["near_miss_of"] = item.get("near_miss_of")
        row["near_miss_refused"] = float(refused)
        return row
    if not answerable:
        row["correct_refusal"] = float(refused)
        return row
    row["false_refusal"] = float(refused)
    # A refusal text never holds the gold answer; scoring it as 0 avoids accidental hits
    # like a refusal that repeats the question's numbers.
    row["answer_match"] = 0.0 if refused else float(m.answer_match(item, answer))
    row["token_f1"] = 0.0 if refused else m.token_f1(answer, golds)
    row["chrf"] = 0.0 if refused else m.chrf(answer, golds)
    for k in (1, 3, 5):
        row[f"hit@{k}"] = m.hit_at_k(retrieved, gold_sources, k)
    row["mrr@10"] = m.mrr(retrieved, gold_sources, k=10)
    if item.get("older_answers") and not refused:
        # A question about now whose older sources say otherwise: the answer must also state
        # the earlier state, citing an older source.
        older = {"answers": item["older_answers"], "answer_patterns": []}
        row["states_change"] = float(m.answer_match(older, answer)
                                     and bool(set(cited) & set(item.get("older_sources", []))))
    if not refused:
        row["citation_validity"] = m.citation_validity(answer, citations)
        row["citation_precision"] = m.citation_precision(cited, gold_sources)
        row["citation_recall"] = m.citation_recall(cited, gold_sources)
    return row


def aggregate(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Mean of each metric over the rows that define it, refusal rates and latency."""
    out: dict[str, float | None] = {"n": len(rows)}
    for name in ANSWER_METRICS:
        out[name] = m.mean(r[name] for r in rows)
    # Written questions only: near misses have their own rate.
    written = [r for r in rows if r["type"] != NEAR_MISS]
    out.update(m.refusal_rates([r["refused"] for r in written], [r["answerable"] for r in written]))
    out["near_miss_refused"] = m.mean(r.get("near_miss_refused") for r in rows)
    out.update(refusal_metrics(rows))
    latencies = [r["latency_ms"] for r in rows]
    out["latency_p50_ms"] = m.percentile(latencies, 50)
    out["latency_p95_ms"] = m.percentile(latencies, 95)
    out["errors"] = sum(1 for r in rows if r.get("error"))
    if any(r.get("backend") not in (None, "extractive") for r in rows):
        # An LLM run: how many answers the extractive reader gave instead (rag/answer/generation.py).
        out["extractive_fallbacks"] = sum(1 for r in rows if r.get("backend") == "extractive")
    if any("faithfulness" in r for r in rows):  # only runs with a judge measure it
        out["faithfulness"] = m.mean(r.get("faithfulness") for r in rows)
        out["judge_errors"] = sum(1 for r in rows if r.get("judge_error"))
    return out


def run_eval(
    ask: Callable[[str], dict[str, Any]] | None,
    items: Iterable[dict[str, Any]],
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    meta: dict[str, Any] | None = None,
    judge: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ask_item: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> EvalResult:
    """Ask every question, score the answers and aggregate overall and per type.

    `ask(question)` answers a question; `ask_item(item)`, when given, is asked the whole
    item instead (near misses are asked of their own corpus, see nearmiss_corpus).
    `progress(done, total, row)` is called after each question. An exception from `ask`
    (a RagError) is recorded in the row's ``error`` and scored as an empty, non-refused answer, so one
    broken question does not lose the run. `meta` (e.g. settings) is stored in the result,
    with ``reliability``: the calibration bins of `refusal_metrics.reliability_bins`.
    `judge(response)` (see `rag.evaluation.judge`) adds ``faithfulness`` and its claim
    counts to each row; judge failures are recorded in the row, never raised.
    """
    if ask is None and ask_item is None:
        raise ValueError("run_eval needs ask or ask_item")
    items = list(items)
    started = datetime.now(timezone.utc)
    rows: list[dict[str, Any]] = []
    backends: list[str] = []
    for i, item in enumerate(items, start=1):
        t0 = time.perf_counter()
        try:
            response = ask_item(item) if ask_item is not None else ask(item["question"])
        except RagError as exc:  # a user-level failure is a scored miss; a bug still raises
            response = {"answer": "", "refused": False, "error": f"{type(exc).__name__}: {exc}"}
            response["timings_ms"] = {"total": (time.perf_counter() - t0) * 1000}
        if response.get("backend"):
            backends.append(str(response["backend"]))
        row = score_item(item, response)
        if judge is not None:
            row.update(judge(response))
        rows.append(row)
        if progress is not None:
            progress(i, len(items), row)
    by_type = {t: aggregate([r for r in rows if r["type"] == t]) for t in REPORT_TYPES}
    by_type = {t: agg for t, agg in by_type.items() if agg["n"]}
    info = {
        "backend": ", ".join(m.unique_in_order(backends)) or "unknown",
        "timestamp": started.isoformat(timespec="seconds"),
        "duration_s": round((datetime.now(timezone.utc) - started).total_seconds(), 2),
    }
    info.update(meta or {})
    info["reliability"] = reliability_bins([p for r in rows if (p := right_probability(r)) is not None])
    return EvalResult(per_question=rows, overall=aggregate(rows), by_type=by_type, meta=info)

"""Per-question records as the report shows and compares them, for every kind of run.

`evidence(response)` is what a per-question row keeps of an answer beyond its scores: the
cited passages, the best retrieved passage and the answer's confidence. `records(report)`
turns any report (an eval set's rows, or a SQuAD-format benchmark's rows by mode) into one
flat list with an `outcome` each; the HTML report and the run comparison read only that.
"""

from __future__ import annotations

from typing import Any

# Outcomes that are misses (listed in the report with the passage the answer rests on).
MISSES = frozenset({"wrong", "false refusal", "answered (should refuse)", "error", "not in top 5"})
# The answers' refusal metrics a SQuAD-format run's flat table carries beside its own numbers.
REFUSAL_KEYS = ("false_refusal_rate", "near_miss_refused", "citation_precision", "confidence_auc",
                "near_miss_refused_at_fr10", "fr10_threshold", "fr10_false_refusals", "ece")
# Characters of the best retrieved passage kept per question (a chunk is ~700).
PASSAGE_CHARS = 700


def evidence(response: dict[str, Any]) -> dict[str, Any]:
    """The cited passages, the best retrieved passage and the confidence of one answer
    (the JSON contract of `Answer.to_json()`); `confidence` is None when the answer has none."""
    citations = [{k: c.get(k) for k in ("n", "source", "date", "start", "end", "text")}
                 for c in response.get("citations") or []]
    retrieved = response.get("retrieved") or []
    top = None
    if retrieved:
        first = retrieved[0]
        top = {k: first.get(k) for k in ("source", "date", "start", "end")}
        top["text"] = str(first.get("text") or "")[:PASSAGE_CHARS]
    confidence = response.get("confidence")
    return {"citations": citations, "top_passage": top,
            "confidence": float(confidence) if isinstance(confidence, (int, float)) else None}


def outcome(row: dict[str, Any]) -> str:
    """One word for what happened to an eval-set question (its row from `score_item`)."""
    if row.get("error"):
        return "error"
    if row.get("answerable", True):
        if row.get("refused"):
            return "false refusal"
        return "correct" if row.get("answer_match") else "wrong"
    return "correct refusal" if row.get("refused") else "answered (should refuse)"


def is_squad(report: dict[str, Any]) -> bool:
    """A SQuAD-format benchmark report keeps its rows by mode (a dict), an eval set a list."""
    return isinstance(report.get("per_question"), dict)


def records(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every per-question record of `report` with an `outcome`; ids are unique per report."""
    if not is_squad(report):
        return [dict(row, outcome=outcome(row)) for row in report.get("per_question") or []]
    out: list[dict[str, Any]] = []
    rows = report["per_question"]
    for mode, mode_rows in rows.items():
        if mode in ("answers", "unanswerable"):
            continue
        for r in mode_rows:  # retrieval: did the gold span's chunk reach the top 5?
            found = r.get("rank") is not None and r["rank"] <= 5
            out.append({"id": f"{r['id']} ({mode})", "type": f"retrieval {mode}",
                        "outcome": "top 5" if found else "not in top 5", "rank": r.get("rank")})
    for kind in ("answers", "unanswerable"):
        for r in rows.get(kind) or []:
            if "answerable" in r:  # the eval runner's rows: answers, document removed, near misses
                out.append(dict(r, outcome=outcome(r)))
                continue
            if kind == "answers":  # a report written before near misses
                verdict = "false refusal" if r["refused"] else ("correct" if r["contained"] else "wrong")
            else:
                verdict = "correct refusal" if r["refused"] else "answered (should refuse)"
            out.append(dict(r, id=r["id"] if kind == "answers" else f"{r['id']} (article removed)",
                            type=kind, outcome=verdict, answerable=kind == "answers"))
    return out


def squad_overall(result: dict[str, Any]) -> dict[str, float | None]:
    """The flat metric table of a SQuAD-format run: "<mode> hit@5", "answers contained", ..."""
    overall: dict[str, float | None] = {"n": result.get("n_questions")}
    for mode, metrics in (result.get("retrieval") or {}).items():
        overall.update({f"{mode} {k}": v for k, v in metrics.items()})
    for kind in ("answers", "unanswerable", "near_miss"):
        part = result.get(kind) or {}
        keys = ("exact_match", "token_f1", "contained", "refused") if kind == "answers" else ("refused",)
        overall.update({f"{kind} {k}": part.get(k) for k in keys if k in part})
    # The refusal metrics over the answers, as an eval set's report has them (refusal_metrics.py).
    evaluated = (result.get("eval") or {}).get("overall") or {}
    overall.update({k: evaluated[k] for k in REFUSAL_KEYS if k in evaluated})
    return overall

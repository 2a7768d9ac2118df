"""Calibration of the answer confidence: a reliability table and its expected calibration error.

A confidence is the probability an answer is right. It is judged on the answered questions
that carry one (`confidence` in the JSON contract): an answer is right when its outcome is
"correct"; a wrong answer, or an answer to a question that should have been refused, is not.
Refusals are left out: they state no answer to be confident in.
"""

from __future__ import annotations

from typing import Any

BINS = 10  # equal-width confidence bins, the usual reliability diagram
ANSWERED = frozenset({"correct", "wrong", "answered (should refuse)"})


def reliability(records: list[dict[str, Any]], bins: int = BINS) -> dict[str, Any] | None:
    """{"n", "ece", "bins": [{"lo", "hi", "n", "confidence", "accuracy"}]} over the answered
    records with a confidence, or None when no record has one."""
    points = [(float(r["confidence"]), r["outcome"] == "correct") for r in records
              if r.get("confidence") is not None and r.get("outcome") in ANSWERED]
    if not points:
        return None
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in points if lo <= c < hi or (b == bins - 1 and c == hi)]
        if inside:
            rows.append({"lo": lo, "hi": hi, "n": len(inside),
                         "confidence": sum(c for c, _ in inside) / len(inside),
                         "accuracy": sum(ok for _, ok in inside) / len(inside)})
    ece = sum(r["n"] * abs(r["accuracy"] - r["confidence"]) for r in rows) / len(points)
    return {"n": len(points), "ece": ece, "bins": rows}

"""Calibration of the answer confidence for the report: a reliability table and its expected
calibration error, with the definition of the `ece` metric (rag/evaluation/refusal_metrics.py).

A response's probability of being right is its confidence for an answer and 1 - confidence
for a refusal; it was right when an answerable question got a correct answer, or an
unanswerable question or near miss was refused. So refusals count too: a refusal made with
confidence 0.1 (the documents probably do not answer) claims 0.9 that refusing was right.
"""

from __future__ import annotations

from typing import Any

from rag.evaluation.refusal_metrics import BINS, expected_calibration_error, reliability_bins, right_probability


def reliability(records: list[dict[str, Any]], bins: int = BINS) -> dict[str, Any] | None:
    """{"n", "ece", "bins": [{"lo", "hi", "n", "confidence", "accuracy"}]} over the scored
    records with a confidence, or None when no record has one."""
    pairs = [p for r in records if "answerable" in r and "refused" in r and (p := right_probability(r)) is not None]
    if not pairs:
        return None
    rows = [{"lo": b["lo"], "hi": b["hi"], "n": b["n"], "confidence": b["mean_probability"],
             "accuracy": b["share_right"]} for b in reliability_bins(pairs, bins)]
    return {"n": len(pairs), "ece": expected_calibration_error(pairs, bins), "bins": rows}

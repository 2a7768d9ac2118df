"""How well the answer's `confidence` separates what should be answered from what should
be refused, without a threshold, and how well it is calibrated. Pure functions.

Definitions (evals/README.md, "Refusal metrics"):

- `confidence_auc`: ROC AUC of the confidence, answerable questions (positive) against
  near misses (negative): the chance that a random answerable question gets a higher
  confidence than a random near miss (ties count half).
- `near_miss_refused_at_fr10`: sweep a refusal threshold t over the confidences (refuse
  when confidence < t) and take the largest t that refuses at most 10 % of the answerable
  questions; the share of near misses refused at that t (`fr10_threshold`,
  `fr10_false_refusals` beside it). It reads the confidence alone: the system's own
  refusals (`false_refusal_rate`, `near_miss_refused`) also count answers withheld by the
  citation check.
- `ece`: expected calibration error of the confidence the system had in what it did: a
  response's probability of being right is the confidence for an answer and 1 - confidence
  for a refusal; it was right when an answerable question got a correct answer
  (`answer_match`) or an unanswerable one or near miss was refused. Responses are put in
  10 equal-width bins of that probability; ECE = sum over bins of (bin size / n) x
  |share right - mean probability|. `reliability_bins` lists each bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_FALSE_REFUSALS = 0.10
BINS = 10


def confidence_auc(positive: Sequence[float], negative: Sequence[float]) -> float | None:
    """ROC AUC of positives over negatives; None when either side is empty."""
    if not positive or not negative:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([1] * len(positive) + [0] * len(negative), list(positive) + list(negative)))


def refused_at_false_refusals(positive: Sequence[float], negative: Sequence[float],
                              max_false_refusals: float = MAX_FALSE_REFUSALS) -> dict[str, float | None]:
    """The threshold sweep: refuse when confidence < t, with the largest t (over the
    observed confidences, and +inf) that refuses at most `max_false_refusals` of
    `positive`; the share of `negative` it refuses."""
    keys = ("near_miss_refused_at_fr10", "fr10_threshold", "fr10_false_refusals")
    if not positive or not negative:
        return dict.fromkeys(keys)
    best = None
    for t in sorted(set(positive) | set(negative)) + [float("inf")]:
        fr = sum(p < t for p in positive) / len(positive)
        if fr > max_false_refusals:
            break
        best = (t, fr)
    if best is None:  # unreachable: t = min(confidences) refuses nothing
        return dict.fromkeys(keys)
    t, fr = best
    refused = sum(n < t for n in negative) / len(negative)
    return {keys[0]: refused, keys[1]: None if t == float("inf") else t, keys[2]: fr}


def right_probability(row: dict[str, Any]) -> tuple[float, float] | None:
    """(probability the response is right, 1.0 if it was right else 0.0) for one scored
    row, or None when it carries no confidence."""
    confidence = row.get("confidence")
    if confidence is None:
        return None
    refused = bool(row["refused"])
    if row["answerable"]:
        right = (not refused) and bool(row.get("answer_match"))
    else:
        right = refused
    return (1.0 - confidence if refused else confidence), float(right)


def reliability_bins(pairs: Sequence[tuple[float, float]], bins: int = BINS) -> list[dict[str, float | int]]:
    """Equal-width bins of the probability: each bin's range, size, mean probability and
    share right (empty bins left out)."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [(p, y) for p, y in pairs if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if members:
            out.append({"lo": lo, "hi": hi, "n": len(members),
                        "mean_probability": sum(p for p, _ in members) / len(members),
                        "share_right": sum(y for _, y in members) / len(members)})
    return out


def expected_calibration_error(pairs: Sequence[tuple[float, float]], bins: int = BINS) -> float | None:
    if not pairs:
        return None
    return sum(b["n"] / len(pairs) * abs(b["share_right"] - b["mean_probability"])
               for b in reliability_bins(pairs, bins))


def refusal_metrics(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """The threshold-free refusal metrics and ECE of scored rows (see the module doc)."""
    positive = [r["confidence"] for r in rows if r["answerable"] and r.get("confidence") is not None]
    negative = [r["confidence"] for r in rows if r["type"] == "near_miss" and r.get("confidence") is not None]
    pairs = [p for r in rows if (p := right_probability(r)) is not None]
    return {"confidence_auc": confidence_auc(positive, negative),
            **refused_at_false_refusals(positive, negative),
            "ece": expected_calibration_error(pairs)}

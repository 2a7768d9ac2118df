"""One line per metric: what it measures, which direction is better, how it is printed.

The report shows the line of every metric it holds. A metric without an entry (one added
after this table) is still shown, marked as undescribed; `tests/test_eval_report.py` keeps
the table complete for every metric the runner and the SQuAD benchmark compute.
"""

from __future__ import annotations

import html
from typing import Any

HIGHER, LOWER, NEUTRAL = "higher is better", "lower is better", "a count, no direction"

GLOSSARY: dict[str, tuple[str, str]] = {
    "n": ("questions scored", NEUTRAL),
    "answer_match": ("share of answerable questions whose answer contains a gold string or pattern "
                     "(normalised; a refusal never matches)", HIGHER),
    "token_f1": ("word overlap (F1) of the answer with the best gold string; low for long answers "
                 "against short golds", HIGHER),
    "chrf": ("character n-gram F-score (sacrebleu chrF, 0..1) of the answer against the gold strings; "
             "read it next to answer_match", HIGHER),
    "hit@1": ("share of answerable questions with a gold source as the first retrieved article", HIGHER),
    "hit@3": ("share of answerable questions with a gold source among the first 3 retrieved articles", HIGHER),
    "hit@5": ("share of answerable questions with a gold source among the first 5 retrieved articles "
              "(SQuAD sets: a chunk holding the gold span)", HIGHER),
    "mrr@10": ("mean of 1/rank of the first gold source in the top 10 (0 when absent)", HIGHER),
    "citation_validity": ("share of [n] markers in answered texts that point to a listed citation", HIGHER),
    "citation_precision": ("share of cited sources that are gold sources (answered questions)", HIGHER),
    "citation_recall": ("share of gold sources the answer cites (answered questions)", HIGHER),
    "states_change": ("questions about now whose older sources say otherwise: share of answers that "
                      "also state the earlier state, citing an older source", HIGHER),
    "correct_refusal_rate": ("share of unanswerable questions the system refused", HIGHER),
    "false_refusal_rate": ("share of answerable questions the system refused", LOWER),
    "latency_p50_ms": ("median time to answer one question (timings_ms.total), milliseconds", LOWER),
    "latency_p95_ms": ("95th percentile of the time to answer one question, milliseconds", LOWER),
    "errors": ("questions whose answer failed with an error (scored as misses)", LOWER),
    "extractive_fallbacks": ("LLM runs: answers the extractive reader gave because the model's reply "
                             "failed verification", LOWER),
    "faithfulness": ("share of answer claims the cited passages support, judged by an LLM", HIGHER),
    "judge_errors": ("answers the judge could not score (left out of faithfulness)", LOWER),
    "exact_match": ("share of answers equal to a gold string after normalisation (near 0 for "
                    "sentence answers by construction)", HIGHER),
    "contained": ("share of answers that contain a gold string (SQuAD-format sets)", HIGHER),
    "answers refused": ("share of answerable questions refused (false refusals)", LOWER),
    "unanswerable refused": ("share of questions asked with their own article removed that were "
                             "refused (correct refusals)", HIGHER),
    "p50_ms": ("median retrieval time per question (embedding, BM25, dense search, fusion), ms", LOWER),
    "p95_ms": ("95th percentile retrieval time per question, ms", LOWER),
    "ece": ("expected calibration error of the confidence: per bin of the probability of being right "
            "(the confidence for an answer, 1 - it for a refusal), |share right - mean probability|, "
            "weighted by bin size", LOWER),
    "near_miss_refused": ("share of near misses (the answer's sentences cut from its article, the rest "
                          "indexed) the system refused", HIGHER),
    "near_miss refused": ("share of near misses (the answer's sentences cut from its article, the rest "
                          "indexed) the system refused", HIGHER),
    "confidence_auc": ("ROC AUC of the confidence, answerable questions against near misses: the chance "
                       "an answerable question gets the higher confidence", HIGHER),
    "near_miss_refused_at_fr10": ("share of near misses a confidence threshold refuses while refusing at "
                                  "most 10 % of the answerable questions", HIGHER),
    "fr10_threshold": ("the confidence threshold of near_miss_refused_at_fr10", NEUTRAL),
    "fr10_false_refusals": ("the share of answerable questions that threshold refuses (at most 0.10)", LOWER),
}


def describe(name: str) -> tuple[str, str] | None:
    """(what it measures, direction) for a metric name; "hybrid hit@5" reads as "hit@5"."""
    if name in GLOSSARY:
        return GLOSSARY[name]
    last = name.rsplit(" ", 1)[-1]
    return GLOSSARY.get(last)


def lower_is_better(name: str) -> bool:
    entry = describe(name)
    return entry is not None and entry[1] == LOWER


def lines(names) -> list[dict[str, str]]:
    """Glossary rows for the metrics a report holds, in its order; unknown ones say so."""
    rows, seen = [], set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        entry = describe(name)
        rows.append({"metric": name, "what": entry[0] if entry else "not described in the glossary yet",
                     "direction": entry[1] if entry else "unknown", "label": breakable(name)})
    return rows


def breakable(name: str) -> str:
    """The name as HTML (escaped) that may wrap after each "_" in a narrow column."""
    return html.escape(name).replace("_", "_<wbr>")


def digits(name: str) -> int:
    """Decimals a metric is shown with: counts and milliseconds none, scores three."""
    return 0 if name in ("n", "errors") or name.endswith("_ms") or name.endswith(" n") else 3


def fmt(name: str, value: Any, signed: bool = False) -> str:
    """A metric value as the reports print it ("–" for undefined)."""
    if value is None:
        return "–"
    if not isinstance(value, (int, float)):
        return str(value)
    if signed:
        value = round(value, digits(name)) + 0.0  # + 0.0 turns -0.0 into 0.0
        return f"{value:+.{digits(name)}f}"
    return f"{value:.{digits(name)}f}"

"""Pure metric functions for the eval harness: no I/O, no global state.

Scores are floats in 0..1. A function returns ``None`` when the metric is undefined for the
input (e.g. citation precision of an answer that cites nothing); aggregations skip ``None``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

# German (and English) articles carry no answer content; dropping them makes
# "der Konzern Oracle" match "Oracle" and keeps token F1 from rewarding filler.
ARTICLES = frozenset(
    "der die das den dem des ein eine einen einem eines einer the a an".split()
)

# A thousands separator between digits ("10.000", "10,000", "10\u202f000") is removed so German
# and English number formats normalise alike. Decimal separators ("6,6" / "6.6") are not
# followed by exactly three digits and become a space, again identically for both styles.
# A plain space is not a separator: "im Jahr 2023 200 Millionen" must keep both numbers.
_THOUSANDS = re.compile(r"(?<=\d)[.,'’\u00a0\u202f](?=\d{3}(?!\d))")
_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def normalize_answer(text: str) -> str:
    """Normalise German text for matching.

    NFKC, casefold (which also maps "ß" to "ss", so "Straße" == "Strasse"), thousands
    separators removed, punctuation and symbols replaced by spaces, articles dropped,
    whitespace collapsed. Umlauts are kept: "für" and "fur" stay different words.
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _THOUSANDS.sub("", text)
    # Unicode categories P* (punctuation) and S* (symbols: %, $, „“ are P) become spaces, so
    # "Cloud-Anbieter" -> "cloud anbieter" on both the gold and the response side.
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
    return " ".join(tok for tok in text.split() if tok not in ARTICLES)


def contains_answer(normalized_response: str, gold: str) -> bool:
    """True if the normalised `gold` occurs in the normalised response.

    The match must start at a word boundary; it may end inside a word so German inflection
    still matches ("drei Jahre" in "drei Jahren"), except after a digit: "49" must not
    match "495".
    """
    g = normalize_answer(gold)
    if not g:
        return False
    pattern = r"(?<!\w)" + re.escape(g) + (r"(?!\d)" if g[-1].isdigit() else "")
    return re.search(pattern, normalized_response) is not None


def answer_match(item: dict[str, Any], response_text: str) -> bool:
    """Does `response_text` contain the gold answer of eval `item`?

    Default: any gold string (normalised containment) or any regex in ``answer_patterns``
    (searched in the raw text, case-insensitive) matches. With ``require_all: true`` every
    gold string *and* every pattern must match (each is one required element).
    Items without gold answers (unanswerable) never match.
    """
    golds = list(item.get("answers") or [])
    patterns = list(item.get("answer_patterns") or [])
    if not golds and not patterns:
        return False
    norm = normalize_answer(response_text)
    text = response_text or ""
    str_hits = [contains_answer(norm, g) for g in golds]
    pat_hits = [re.search(p, text, re.IGNORECASE) is not None for p in patterns]
    if item.get("require_all"):
        return all(str_hits) and all(pat_hits)
    return any(str_hits) or any(pat_hits)


def token_f1(pred: str, golds: Sequence[str]) -> float:
    """SQuAD-style token F1 on normalised tokens, best over the gold strings (0 if none)."""
    pred_toks = normalize_answer(pred).split()
    best = 0.0
    for gold in golds:
        gold_toks = normalize_answer(gold).split()
        common = Counter(pred_toks) & Counter(gold_toks)
        overlap = sum(common.values())
        if overlap == 0:
            continue
        p, r = overlap / len(pred_toks), overlap / len(gold_toks)
        best = max(best, 2 * p * r / (p + r))
    return best


@lru_cache(maxsize=1)
def _chrf_scorer() -> Any:
    # Imported lazily: sacrebleu is only needed when an eval actually runs.
    from sacrebleu.metrics import CHRF

    return CHRF()  # chrF (char 6-grams, beta=2); character-based, so umlauts count fully


def chrf(pred: str, golds: Sequence[str]) -> float:
    """Sentence chrF of `pred` against the gold strings, scaled to 0..1 (0 if no gold).

    sacrebleu scores against the best-matching reference. Gold strings are short, so a long
    but correct answer scores low here; read it next to `answer_match`, not instead of it.
    """
    refs = [g for g in golds if g.strip()]
    if not refs or not pred.strip():
        return 0.0
    return _chrf_scorer().sentence_score(pred, refs).score / 100.0


def unique_in_order(values: Iterable[str]) -> list[str]:
    """Drop repeats, keeping the first occurrence's rank."""
    seen: set[str] = set()
    out = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def hit_at_k(retrieved_sources: Sequence[str], gold_sources: Iterable[str], k: int) -> float:
    """1.0 if a gold source is among the first `k` distinct retrieved sources, else 0.0.

    Source-level like `mrr`: several chunks of one article count as one rank.
    """
    gold = set(gold_sources)
    return 1.0 if gold & set(unique_in_order(retrieved_sources)[:k]) else 0.0


def mrr(retrieved_sources: Sequence[str], gold_sources: Iterable[str], k: int = 10) -> float:
    """Reciprocal rank of the first gold source among the first `k` distinct sources."""
    gold = set(gold_sources)
    for rank, source in enumerate(unique_in_order(retrieved_sources)[:k], start=1):
        if source in gold:
            return 1.0 / rank
    return 0.0


def citation_markers(answer_text: str) -> list[int]:
    """The numbers of all [n] markers in the answer ("[1, 3]" yields 1 and 3), in order."""
    nums = []
    for m in _MARKER.finditer(answer_text or ""):
        nums.extend(int(x) for x in re.split(r"\s*[,;]\s*", m.group(1)))
    return nums


def citation_validity(answer_text: str, citations: Sequence[dict[str, Any]]) -> float:
    """1.0 if every [n] marker in the answer refers to a listed citation n, else 0.0.

    An answer without markers is vacuously valid; whether it cites at all is what
    `citation_recall` measures.
    """
    listed = {int(c["n"]) for c in citations}
    return 1.0 if all(n in listed for n in citation_markers(answer_text)) else 0.0


def citation_precision(cited_sources: Iterable[str], gold_sources: Iterable[str]) -> float | None:
    """Share of distinct cited sources that are gold; ``None`` when nothing is cited."""
    cited = set(cited_sources)
    if not cited:
        return None
    return len(cited & set(gold_sources)) / len(cited)


def citation_recall(cited_sources: Iterable[str], gold_sources: Iterable[str]) -> float | None:
    """Share of gold sources that are cited; ``None`` when there are no gold sources."""
    gold = set(gold_sources)
    if not gold:
        return None
    return len(gold & set(cited_sources)) / len(gold)


def refusal_rates(refused: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float | None]:
    """Correct refusal rate (refused share of unanswerable questions) and false refusal
    rate (refused share of answerable ones); ``None`` where a group is empty."""
    if len(refused) != len(answerable):
        raise ValueError("refused and answerable must have the same length")
    on_unans = [r for r, a in zip(refused, answerable) if not a]
    on_ans = [r for r, a in zip(refused, answerable) if a]
    return {
        "correct_refusal_rate": mean([float(r) for r in on_unans]),
        "false_refusal_rate": mean([float(r) for r in on_ans]),
    }


def mean(values: Iterable[float | None]) -> float | None:
    """Arithmetic mean ignoring ``None``; ``None`` if nothing is left."""
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation (numpy's default method);
    ``None`` for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in 0..100, got {q}")
    vals = sorted(float(v) for v in values if v is not None)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)

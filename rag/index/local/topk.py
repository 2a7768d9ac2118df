"""The n best rows of a score array, exactly as a stable descending sort would order them.

`np.argsort` over a whole 1M-row BM25 score array took ~60 ms per query; partitioning first
sorts only the n winners (ties at the cut are taken in row order, as the stable sort does),
so the result is identical and the cost is one linear pass.
"""

from __future__ import annotations

import numpy as np


def top_n(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` largest values, best first; equal values keep their row order."""
    size = len(values)
    if n <= 0 or size == 0:
        return np.zeros(0, dtype=np.int64)
    if n >= size:
        return np.argsort(-values, kind="stable")
    cut = np.partition(values, size - n)[size - n]  # the n-th largest value
    above = np.flatnonzero(values > cut)
    ties = np.flatnonzero(values == cut)[: n - len(above)]
    rows = np.concatenate([above, ties])  # each part in row order, so the sort below is stable
    return rows[np.argsort(-values[rows], kind="stable")]

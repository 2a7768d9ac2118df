"""`top_n` must order rows exactly as a stable descending argsort does, ties included."""

import numpy as np
import pytest

from rag.index.local.topk import top_n


@pytest.mark.parametrize("seed", range(20))
def test_top_n_matches_a_stable_sort_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 3000))
    # Few distinct values, so the cut almost always falls inside a run of ties.
    values = rng.integers(0, 6, size=size).astype(np.float32) / 2
    for n in (0, 1, 5, 50, size - 1, size, size + 3):
        expected = np.argsort(-values, kind="stable")[:max(n, 0)]
        assert top_n(values, n).tolist() == expected.tolist()


def test_top_n_on_continuous_scores():
    values = np.random.default_rng(7).standard_normal(100_000).astype(np.float32)
    assert top_n(values, 50).tolist() == np.argsort(-values, kind="stable")[:50].tolist()


def test_bm25_top_ranks_only_matching_rows_in_stable_order():
    from rag.index.local.view import RowScores

    rng = np.random.default_rng(3)
    values = np.zeros(200_000, dtype=np.float32)
    matching = rng.choice(len(values), size=300, replace=False)
    values[matching] = rng.integers(1, 5, size=300).astype(np.float32)  # many ties
    expected = [(int(r), float(values[r])) for r in np.argsort(-values, kind="stable")[:50]]
    assert RowScores(values).top(50) == expected
    assert RowScores(values).top(1000) == [(int(r), float(values[r]))
                                           for r in np.argsort(-values, kind="stable")[:300]]
    assert RowScores(np.zeros(10, dtype=np.float32)).top(5) == []

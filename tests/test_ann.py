"""ANN in the local store: segments above `IndexSettings.ann_min_rows` get an HNSW graph.

The threshold is lowered so the seed corpus (a few dozen chunks) crosses it; the results
are compared with the same corpus indexed with exact search only.
"""

from __future__ import annotations

import numpy as np
import pytest

from rag.assistant import Assistant
from rag.core.config import IndexSettings, load_settings
from rag.index.local.ann import ANN_FILE, build_graph, recall_at_10, search_graph
from rag.index.local.view import load_index


def _assistant(tmp_path, seeds_dir, name: str, **index) -> Assistant:
    settings = load_settings(paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / name,
                                    "models_dir": tmp_path / "models"},
                             embedding={"backend": "hashing", "dim": 256}, index=index)
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    return assistant


@pytest.fixture
def pair(tmp_path, seeds_dir):
    """(ann index dir, exact index dir, settings of the ANN one) over the same seeds."""
    ann = _assistant(tmp_path, seeds_dir, "ann", ann_min_rows=10)
    exact = _assistant(tmp_path, seeds_dir, "exact")
    return ann, exact


def _queries(index, n: int = 20) -> np.ndarray:
    rng = np.random.default_rng(1)
    rows = rng.choice(len(index.chunks), size=min(n, len(index.chunks)), replace=False)
    q = index.vectors_for_rows(rows.tolist()) + rng.normal(0, 0.05, size=(len(rows), index.dim)).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def test_large_segment_gets_a_graph_with_recorded_recall(pair):
    ann, exact = pair
    status = ann.status()
    assert status["dense_search"] == "hnsw" and exact.status()["dense_search"] == "exact"
    (name, recall), = status["ann_recall_at_10"].items()
    assert 0.0 <= recall <= 1.0
    index = load_index(ann.settings.paths.index_dir)
    entry, = index.manifest.segments
    assert entry.ann["m"] == IndexSettings().hnsw_m
    assert f"segments/{name}/{ANN_FILE}" in index.manifest.files  # checksummed like every file


def test_graph_search_matches_exact_search_on_a_small_corpus(pair):
    # A graph over a few dozen rows searched with a beam wider than the corpus visits every
    # row, so its top 10 must be the exact top 10.
    ann, exact = pair
    a, e = load_index(ann.settings.paths.index_dir), load_index(exact.settings.paths.index_dir)
    assert a.vectors.approximate and not e.vectors.approximate
    for q in _queries(e):
        got, want = a.dense(q, 10), e.dense(q, 10)
        assert [r for r, _ in got] == [r for r, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_filters_and_deletions_stay_exact_members(pair, tmp_path):
    ann, exact = pair
    a = load_index(ann.settings.paths.index_dir)
    allowed = np.zeros(len(a.chunks), dtype=bool)
    allowed[::3] = True
    for q in _queries(a, 5):
        hits = a.dense(q, 10, allowed)
        assert hits and all(allowed[r] for r, _ in hits)
    # Remove a document: its rows stay in the graph but are never returned.
    seeds = ann.settings.paths.seeds_dir
    victim = sorted(seeds.iterdir())[0]
    victim.unlink()
    ann.rebuild()
    after = load_index(ann.settings.paths.index_dir)
    assert after.vectors.approximate and victim.name not in {c.source for c in after.chunks}
    for q in _queries(after, 5):
        rows = [r for r, _ in after.dense(q, len(after.chunks))]
        assert sorted(rows) == list(range(len(after.chunks)))  # every live row once, no dead row


def test_recall_at_10_is_measured_not_assumed():
    # Clustered vectors; a graph with a starved beam must report a lower recall than a wide one.
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(50, 64)).astype(np.float32)
    v = centres[rng.integers(0, 50, 5000)] + rng.normal(0, 0.3, size=(5000, 64)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    settings = IndexSettings(hnsw_m=4, hnsw_ef_construction=8)
    graph = build_graph(v, settings)
    narrow, wide = recall_at_10(graph, v, 10, 100), recall_at_10(graph, v, 2000, 100)
    assert narrow < wide
    _, found = search_graph(graph, v[:3], 10, 2000, None)
    assert list(found[:, 0]) == [0, 1, 2]  # a stored row is its own nearest neighbour


def test_a_filter_inside_the_graph_walk_matches_exact_filtered_search(tmp_path, seeds_dir):
    # exact_filter_max_rows=0 sends every filtered search through the HNSW selector.
    ann = _assistant(tmp_path, seeds_dir, "walk", ann_min_rows=10, exact_filter_max_rows=0)
    exact = _assistant(tmp_path, seeds_dir, "plain")
    a, e = load_index(ann.settings.paths.index_dir, settings=ann.settings.index), load_index(exact.settings.paths.index_dir)
    allowed = np.zeros(len(a.chunks), dtype=bool)
    allowed[1::2] = True
    for q in _queries(e, 10):
        got, want = a.dense(q, 5, allowed), e.dense(q, 5, allowed)
        assert [r for r, _ in got] == [r for r, _ in want]

"""Segmented storage: an update writes only new rows, links the rest, and merges stay
equivalent to a full rebuild."""

from __future__ import annotations

import os

import numpy as np
import pytest

from rag.assistant import Assistant
from rag.core.config import load_settings
from rag.index.local.view import forget_verified, load_index
from rag.index.local.lexical import LexicalIndex, TermFreqs
from rag.text.terms import tokenize
from rag.index.local.segments import SEGMENT_FILES, apply_merge_policy, merge_segments, new_segment
from rag.index.local.versions import VersionStore
from rag.core.types import Chunk


def _chunk(n: int, text: str) -> Chunk:
    return Chunk(f"d{n}:0", f"d{n}", f"d{n}.txt", f"Titel {n}", None, text, 0, len(text))


def _segment(name: str, first_id: int, texts: list[str], dim: int = 4):
    rng = np.random.default_rng(first_id)
    chunks = [_chunk(first_id + i, t) for i, t in enumerate(texts)]
    return new_segment(name, range(first_id, first_id + len(texts)), chunks, rng.random((len(texts), dim)))


def _version_dir(settings):
    return VersionStore(settings.paths.index_dir).current_dir()


def test_adding_a_document_writes_one_small_segment_and_links_the_rest(hashing_assistant, hashing_settings):
    before_dir = _version_dir(hashing_settings)
    before = load_index(hashing_settings.paths.index_dir).manifest
    (hashing_settings.paths.seeds_dir / "neu.txt").write_text("Ein neuer Artikel über Wale im Atlantik.")
    report = Assistant.from_settings(hashing_settings).rebuild()
    after_dir = _version_dir(hashing_settings)
    after = load_index(hashing_settings.paths.index_dir).manifest
    assert report.added == ["neu.txt"] and report.embedded_chunks == 1

    old_names = [s.name for s in before.segments]
    assert [s.name for s in after.segments] == old_names + ["seg-000002"]
    assert after.segments[-1].rows == 1
    for name in old_names:  # the old segment is shared, byte for byte: same inode, no copy
        for fname in SEGMENT_FILES:
            old, new = before_dir / "segments" / name / fname, after_dir / "segments" / name / fname
            assert os.stat(old).st_ino == os.stat(new).st_ino and os.stat(new).st_nlink >= 2
            assert after.files[f"segments/{name}/{fname}"] == before.files[f"segments/{name}/{fname}"]


def test_many_updates_stay_equivalent_to_a_full_rebuild(hashing_assistant, hashing_settings, tmp_path):
    seeds = hashing_settings.paths.seeds_dir
    for i in range(24):
        (seeds / f"zusatz{i:02d}.txt").write_text(f"Zusatzmeldung {i}: Wale und Delfine im Meer Nummer {i}.")
        Assistant.from_settings(hashing_settings).rebuild()
        if i % 5 == 4:  # deletions and changes along the way
            (seeds / f"zusatz{i - 2:02d}.txt").unlink()
            (seeds / f"zusatz{i - 1:02d}.txt").write_text(f"Geänderte Meldung {i}: Haie statt Wale.")
            Assistant.from_settings(hashing_settings).rebuild()
    forget_verified()  # read everything back from disk, verified
    incremental = load_index(hashing_settings.paths.index_dir)
    # The merge policy keeps O(log n) segments instead of one per update.
    assert len(incremental.manifest.segments) <= 6

    fresh_settings = load_settings(paths={"seeds_dir": seeds, "index_dir": tmp_path / "fresh"},
                                   embedding={"backend": "hashing", "dim": 256})
    Assistant.from_settings(fresh_settings).rebuild()
    fresh = load_index(fresh_settings.paths.index_dir)
    assert len(fresh.manifest.segments) == 1

    key = lambda index: sorted(zip((c.chunk_id for c in index.chunks), (c.text for c in index.chunks)))  # noqa: E731
    assert key(incremental) == key(fresh)
    for query in ("Wale im Meer", "Haie", "Microsoft OpenAI Partnerschaft"):
        by_chunk = lambda index: dict(zip((c.chunk_id for c in index.chunks), index.lexical_scores(query)))  # noqa: E731
        a, b = by_chunk(incremental), by_chunk(fresh)
        assert a.keys() == b.keys() and all(a[k] == pytest.approx(b[k], rel=1e-5) for k in a)
    vec = np.ones(256, dtype=np.float32) / 16
    assert [incremental.chunks[r].chunk_id for r, _ in incremental.dense(vec, 10)] == \
        [fresh.chunks[r].chunk_id for r, _ in fresh.dense(vec, 10)]


def test_merge_policy_merges_similar_neighbours_and_compacts_sparse_segments():
    names = iter(f"m{i}" for i in range(100))
    big = _segment("big", 0, [f"Text {i} über Wale" for i in range(40)])
    small = [_segment(f"s{k}", 100 + 10 * k, [f"Kurz {k} {j}" for j in range(3)]) for k in range(2)]
    live = lambda seg: np.ones(seg.rows, dtype=bool)  # noqa: E731
    out = apply_merge_policy([big, *small], [live(s) for s in [big, *small]], lambda: next(names))
    # 3 and 3 are similar: merged; 40 is more than twice 6: left alone (not rewritten).
    assert [s.name for s in out] == ["big", "m0"] and out[0] is big and out[1].rows == 6

    mostly_deleted = np.zeros(40, dtype=bool)
    mostly_deleted[:5] = True
    out = apply_merge_policy([big], [mostly_deleted], lambda: next(names))
    assert out[0].name == "m1" and out[0].rows == 5 and out[0].ids.tolist() == list(range(5))
    assert out[0].chunks == big.chunks[:5] and np.array_equal(out[0].vectors, big.vectors[:5])

    gone = apply_merge_policy([big], [np.zeros(40, dtype=bool)], lambda: next(names))
    assert gone == []


def test_merged_term_counts_give_bm25s_own_scores():
    """BM25 from per-segment counts (merged vocabularies, deleted rows dropped) scores
    exactly as bm25s indexing the surviving texts itself."""
    import bm25s

    a = _segment("a", 0, ["Microsoft investiert Milliarden in OpenAI", "Wale schwimmen im Meer",
                          "Die Verträge mit OpenAI laufen bis 2030"])
    b = _segment("b", 10, ["OpenAI und Microsoft verhandeln neu", "Der Vertrag sichert Microsoft Rechte"])
    keep_a = np.array([True, False, True])
    merged = merge_segments("ab", [(a, keep_a), (b, np.ones(2, dtype=bool))])
    texts = [c.text for c in merged.chunks]
    assert len(texts) == 4 and "Wale schwimmen im Meer" not in texts

    ours = LexicalIndex.from_term_freqs(TermFreqs.concat([(a.tf, keep_a), (b.tf, np.ones(2, dtype=bool))]))
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([tokenize(t) for t in texts], show_progress=False)
    for query in ("Microsoft OpenAI", "Verträge 2030", "Rechte"):
        tokens = [t for t in tokenize(query) if t in reference.vocab_dict]
        np.testing.assert_allclose(ours.scores(query), reference.get_scores(tokens), rtol=1e-5)
    # The merged segment's own counts (compacted vocabulary) agree too.
    np.testing.assert_allclose(LexicalIndex.from_term_freqs(merged.tf).scores("Microsoft OpenAI"),
                               ours.scores("Microsoft OpenAI"), rtol=1e-6)

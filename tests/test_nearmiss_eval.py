"""`rag eval` with near misses, end to end on the seeds (hashing embedder, extractive)."""

from __future__ import annotations

import json

import pytest

from rag.cli import main
from rag.evaluation.runner import load_items, select_split


@pytest.fixture
def eval_env(hashing_settings, tmp_path, monkeypatch):
    p = hashing_settings.paths
    for key, value in {"RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
                       "RAG_PATHS__CACHE_DIR": str(tmp_path / "cache"),
                       "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def _versions(cache):
    return {p.parent.parent.name: p.read_text() for p in sorted(cache.glob("corpora/seeds-dev-nearmiss/round-*/index/CURRENT"))}


def test_near_misses_are_asked_of_their_variants_and_scored(eval_env, capsys):
    out = eval_env / "results"
    assert main(["index"]) == 0
    assert main(["eval", "--split", "test", "--limit", "16", "--out", str(out)]) == 0
    capsys.readouterr()
    report = json.loads(next(out.glob("*-seeds-extractive-test/report.json")).read_text(encoding="utf-8"))
    items = {i["id"]: i for i in select_split(load_items("evals/questions.jsonl"), "test")[:16]}
    rows = report["per_question"]
    near = [r for r in rows if r["type"] == "near_miss"]
    written = [r for r in rows if r["type"] != "near_miss"]
    answerable = [r for r in written if r["answerable"]]
    excluded = report["meta"]["near_miss_excluded"]
    # Every answerable question has a near miss or is counted as excluded, with a reason.
    assert len(near) + excluded["n"] == len(answerable) and len(near) >= 3
    assert set(excluded["questions"]) | {r["near_miss_of"] for r in near} == {r["id"] for r in answerable}
    assert report["meta"]["near_miss_rounds"] >= 1
    for row in near:
        base = items[row["near_miss_of"]]
        assert row["id"] == base["id"] + "-nearmiss" and not row["answerable"]
        # The original articles are filtered out of the search; their variants stand in.
        assert not set(row["retrieved_sources"]) & set(base["sources"])
        assert row["near_miss_refused"] == float(row["refused"])
        assert 0.0 <= row["confidence"] <= 1.0
        if not row["refused"]:  # an answer to a near miss never holds the gold answer
            from rag.evaluation.metrics import answer_match

            assert not answer_match(base, row["answer"])
    overall = report["overall"]
    assert overall["near_miss_refused"] == pytest.approx(sum(r["refused"] for r in near) / len(near))
    # The first 16 test questions are all answerable: near misses do not count as written
    # unanswerable questions.
    assert all(r["answerable"] for r in written) and overall["correct_refusal_rate"] is None
    assert 0.0 <= overall["confidence_auc"] <= 1.0 and 0.0 <= overall["ece"] <= 1.0
    assert overall["fr10_false_refusals"] <= 0.10
    assert report["by_type"]["near_miss"]["n"] == len(near)
    bins = report["meta"]["reliability"]
    assert sum(b["n"] for b in bins) == len(rows)


def test_a_second_run_reuses_the_round_indexes(eval_env, capsys):
    out = eval_env / "results"
    assert main(["index"]) == 0
    assert main(["eval", "--split", "dev", "--limit", "8", "--out", str(out)]) == 0
    first = _versions(eval_env / "cache")
    assert first
    assert main(["eval", "--split", "dev", "--limit", "8", "--out", str(out)]) == 0
    assert _versions(eval_env / "cache") == first  # nothing changed, so no new index version
    capsys.readouterr()


def test_no_near_misses_when_asked_not_to(eval_env, capsys):
    out = eval_env / "results"
    assert main(["index"]) == 0
    assert main(["eval", "--no-near-misses", "--limit", "6", "--out", str(out)]) == 0
    capsys.readouterr()
    report = json.loads(next(out.glob("*/report.json")).read_text(encoding="utf-8"))
    assert not any(r["type"] == "near_miss" for r in report["per_question"])
    assert report["overall"]["near_miss_refused"] is None


class _Counting:
    """The hashing embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder):
        self.embedder, self.model_id, self.dim, self.seen = embedder, embedder.model_id, embedder.dim, []

    def encode_documents(self, texts, **kwargs):
        self.seen.extend(texts)
        return self.embedder.encode_documents(texts, **kwargs)


def test_a_round_embeds_only_the_chunks_a_cut_changed(hashing_assistant):
    from rag.evaluation.nearmiss_corpus import KnownTexts
    from rag.ingest.chunking import embedding_text

    view = hashing_assistant.index()
    counting = _Counting(hashing_assistant.index_embedder)
    known = KnownTexts.of_index(counting, view)
    old = embedding_text(view.chunks[3])
    vectors = known.encode_documents([old, "Ein ganz neuer Satz über Leuchttürme.", old])
    assert counting.seen == ["Ein ganz neuer Satz über Leuchttürme."]
    direct = hashing_assistant.index_embedder.encode_documents([old, "Ein ganz neuer Satz über Leuchttürme."])
    assert abs(vectors[0] - direct[0]).max() < 1e-5 and abs(vectors[1] - direct[1]).max() < 1e-6
    assert (vectors[0] == vectors[2]).all()

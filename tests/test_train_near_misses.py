"""`rag train-reader` collects near misses as their own groups (hashing embedder, tiny
constructed XQuAD and MLQA files, the seeds' dev split), saved for fitting elsewhere."""

from __future__ import annotations

import json
import numpy as np

from rag.cli import main
from rag.evaluation.reader_examples import load_examples
from rag.evaluation.reader_training import base_qid, cross_validate
from tests.test_squad_benchmark import MLQA, SQUAD


def test_train_reader_collects_near_misses(hashing_settings, tmp_path, monkeypatch, capsys):
    p = hashing_settings.paths
    for key, value in {"RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
                       "RAG_PATHS__CACHE_DIR": str(tmp_path / "cache"),
                       "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}.items():
        monkeypatch.setenv(key, value)
    xquad, mlqa = tmp_path / "xquad.json", tmp_path / "mlqa.json"
    xquad.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    mlqa.write_text(json.dumps(MLQA, ensure_ascii=False), encoding="utf-8")
    saved, params = tmp_path / "examples.npz", tmp_path / "params.json"
    assert main(["train-reader", "--xquad", str(xquad), "--mlqa", str(mlqa), "--xquad-questions", "0",
                 "--save-examples", str(saved), "--out", str(params)]) == 0
    capsys.readouterr()
    examples, header = load_examples(saved)
    groups = {e.group for e in examples}
    assert {"xquad", "xquad-removed", "xquad-nearmiss", "mlqa-dev", "mlqa-dev-nearmiss",
            "seeds-dev", "seeds-dev-nearmiss"} <= groups
    for e in examples:
        if e.group.endswith("-nearmiss"):
            assert e.qid.endswith("-nearmiss") and not e.y.any()  # unanswerable by construction
            # ... of an answerable question collected with its own group.
            assert base_qid(e.qid) in {b.qid for b in examples if b.group == e.group.removesuffix("-nearmiss")
                                       or (e.group == "xquad-nearmiss" and b.group == "xquad")}
    near = header["data"]["near_misses"]
    seeds_dev = [e for e in examples if e.group == "seeds-dev"]
    # Compound questions are not collected (which part an answer belongs to is not labelled).
    from rag.answer.analysis import analyze_question
    from rag.evaluation.runner import load_items, select_split

    compound = sum(analyze_question(i["question"]).compound
                   for i in select_split(load_items("evals/questions.jsonl"), "dev") if i["type"] != "unanswerable")
    collected = sum(e.group == "seeds-dev-nearmiss" for e in examples)
    assert 0 <= near["seeds-dev-nearmiss"]["near_misses"] - collected <= compound and collected >= 30
    assert near["seeds-dev-nearmiss"]["near_misses"] + near["seeds-dev-nearmiss"]["excluded"] <= len(seeds_dev)
    assert near["xquad-nearmiss"]["near_misses"] >= 1 and header["data"]["mlqa_dev_questions"] >= 1
    # The near misses are fit data: the fitted file records them, and grouped CV keeps a
    # question and its near miss in one fold (scored as its own group).
    written = json.loads(params.read_text(encoding="utf-8"))
    assert written["data"]["examples_per_group"]["seeds-dev-nearmiss"] >= 1
    cv = cross_validate(examples, folds=2)
    assert cv["seeds-dev-nearmiss"]["unanswerable"] == collected
    assert np.isfinite(cv["seeds-dev-nearmiss"]["unanswerable_refused"])


def test_variant_ids_share_their_questions_fold():
    assert base_qid("q1-nearmiss") == base_qid("q1-removed") == base_qid("q1") == "q1"

"""Ingestion on a real local Ray (started once per test session, 127.0.0.1, 2 CPUs): the same
chunk ids, documents and vectors as the single-process path, written to either store.

Marked slow: Ray takes ~20 s to start here and each pipeline run ~10 s of actor start-up.
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil

import numpy as np
import pytest

# find_spec, not importorskip: `import ray` must come after ray_runtime's environment
# (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER is read at import time; it keeps Ray on 127.0.0.1).
if importlib.util.find_spec("ray") is None:
    pytest.skip("pip install -e '.[ray]'", allow_module_level=True)
pytest.importorskip("pymilvus", reason="pip install -e '.[milvus]'")

from rag.assistant import Assistant  # noqa: E402
from rag.cli import main  # noqa: E402
from rag.core.config import load_settings  # noqa: E402
from rag.index.milvus.client import connect  # noqa: E402
from rag.ingest.ray_runtime import start_ray  # noqa: E402

from tests.conftest import REPO, SEEDS  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def local_ray():
    settings = load_settings()
    ray = start_ray(settings.ray)
    yield ray
    ray.shutdown()


def _rows(assistant) -> dict[str, tuple]:
    """chunk id -> (stable id, chunk, vector, stored sentences) of an index, from either store."""
    view = assistant.index()
    if assistant.settings.store.backend == "local":
        vectors = view.vectors_for_rows(list(range(view.size)))
        sentences = view.sentence_vectors(range(view.size))
        return {c.chunk_id: (int(view.ids[r]), c, vectors[r], sentences[r]) for r, c in enumerate(view.chunks)}
    store = assistant.store()
    keys = sorted(k for d in view.manifest.documents.values() for k in range(*d.id_range))
    found = connect(store.uri).get(store.collection, ids=keys, output_fields=["vector"])
    vectors = {int(e["id"]): np.asarray(e["vector"], dtype=np.float32) for e in found}
    sentences = dict(zip(keys, view.sentence_vectors(keys)))
    return {c.chunk_id: (k, c, vectors[k], sentences[k]) for k, c in zip(keys, view.chunks_of(keys))}


def _compare(single: dict, distributed: dict, tol: float) -> None:
    assert single.keys() == distributed.keys() and single
    for chunk_id, (key, chunk, vector, sentences) in single.items():
        other = distributed[chunk_id]
        assert other[1] == chunk
        np.testing.assert_allclose(other[2], vector, atol=tol)
        # The sentence vectors (the question embedder's) are made on Ray too.
        assert other[3].model_id == sentences.model_id and np.array_equal(other[3].spans, sentences.spans)
        np.testing.assert_allclose(other[3].vectors, sentences.vectors, atol=tol)


def test_ray_hashing_matches_single_process_and_updates_incrementally(local_ray, tmp_path, seeds_dir):
    def settings(name, backend):
        return load_settings(paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / name, "models_dir": REPO / "models"},
                             embedding={"backend": "hashing", "dim": 256},
                             store={"backend": backend, "uri": str(tmp_path / f"{name}.db")})

    single = Assistant.from_settings(settings("single", "local"))
    single.rebuild()
    on_ray = Assistant.from_settings(settings("ray", "milvus"))
    report = on_ray.rebuild(runner="ray")
    assert report.embedded_chunks == single.index().size
    assert on_ray.index().manifest.documents.keys() == single.index().manifest.documents.keys()
    stable = {c: row[0] for c, row in _rows(single).items()}
    assert {c: row[0] for c, row in _rows(on_ray).items()} == stable
    _compare(_rows(single), _rows(on_ray), tol=0.0)
    # A sidecar (<file>.meta.json) is read with its file on Ray too: its date, its hash.
    dated = "003_7f6e26588299af66.txt"
    assert on_ray.index().manifest.documents[dated] == single.index().manifest.documents[dated]
    assert {c.date_source for c in on_ray.index().chunks_of(range(*on_ray.index().manifest.documents[dated].id_range))} \
        == {"user"}

    # An unchanged corpus reads nothing on Ray; one new article is one article's rows.
    assert on_ray.rebuild(runner="ray").writes == {}
    (seeds_dir / "new.md").write_text("Ein neues Dokument über Katzen und Hunde. Es hat zwei Sätze.", encoding="utf-8")
    (seeds_dir / "empty.txt").write_text("  ", encoding="utf-8")
    report = on_ray.rebuild(runner="ray")
    n_new = on_ray.index().manifest.documents["new.md"].n_chunks
    assert report.added == ["new.md"] and [s for s, _ in report.skipped] == ["empty.txt"]
    assert single.rebuild().skipped == report.skipped  # the same reason as the single process gives
    assert report.writes["upserted"] == n_new == report.embedded_chunks and report.writes["deleted"] == 0


def test_done_when_ray_into_milvus_answers_like_the_local_store(local_ray, real_assistant, tmp_path, monkeypatch, capsys):
    """The issue's acceptance: `RAG_STORE__BACKEND=milvus RAG_STORE__URI=/tmp/x/milvus.db rag
    index --ray --seeds seeds --index /tmp/x/idx`, then `rag ask` gives the local store's
    cited answer, and one more article upserts only its own chunks (real e5 embedder)."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    monkeypatch.setenv("RAG_STORE__BACKEND", "milvus")
    monkeypatch.setenv("RAG_STORE__URI", str(tmp_path / "x" / "milvus.db"))
    index = str(tmp_path / "x" / "idx")
    common = ["--seeds", str(seeds), "--index", index, "--models-dir", str(REPO / "models")]
    assert main(["index", "--ray", *common]) == 0
    capsys.readouterr()

    questions = ["Welchen Anteil an OpenAI soll Microsoft erhalten haben?",
                 "Ist Microsoft heute noch exklusiver Cloud-Anbieter von OpenAI?",
                 "How much did Microsoft invest in OpenAI in 2019?"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    assert main(["ask", "-", "--json", *common]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(answers) == len(questions)
    for question, got in zip(questions, answers):
        want = real_assistant.ask(question).to_json()
        assert not got["refused"] and got["citations"]
        assert (got["answer"], got["citations"]) == (want["answer"], want["citations"]), question
        assert [h["chunk_id"] for h in got["retrieved"]] == [h["chunk_id"] for h in want["retrieved"]]

    milvus = Assistant.from_settings(load_settings(paths={"seeds_dir": seeds, "index_dir": index,
                                                          "models_dir": REPO / "models"}))
    assert milvus.settings.store.backend == "milvus"
    _compare(_rows(real_assistant), _rows(milvus), tol=1e-5)

    (seeds / "zz_new.txt").write_text(
        "Berlin, 3. März 2024. Die Stadtwerke haben einen neuen Solarpark in Betrieb genommen. "
        "Er soll 12.000 Haushalte mit Strom versorgen.", encoding="utf-8")
    report = milvus.rebuild(runner="ray")
    n_new = milvus.index().manifest.documents["zz_new.txt"].n_chunks
    assert report.added == ["zz_new.txt"] and report.embedded_chunks == n_new
    assert {k: report.writes[k] for k in ("upserted", "deleted", "repaired")} == {"upserted": n_new, "deleted": 0, "repaired": 0}
    assert report.writes["sentence_rows"] == report.embedded_sentences > 0
    store = milvus.store()
    count = connect(store.uri).query(store.collection, filter="", output_fields=["count(*)"])[0]["count(*)"]
    assert count == milvus.index().size == real_assistant.index().size + n_new

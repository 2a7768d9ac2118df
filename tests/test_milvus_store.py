"""The Milvus store on a real Milvus Lite engine (no mock): the same index, ranking, filters,
answers and incremental semantics as the local store."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason="pip install -e '.[milvus]'")

from rag.assistant import Assistant  # noqa: E402
from rag.core.config import load_settings  # noqa: E402
from rag.core.errors import BackendUnavailableError, ConfigError  # noqa: E402
from rag.index.filters import SearchFilter  # noqa: E402
from rag.index.milvus.client import connect  # noqa: E402
from rag.index.milvus.filters import expression, quote  # noqa: E402
from rag.index.stores import open_store  # noqa: E402
from rag.retrieval.retriever import Retriever  # noqa: E402

from tests.conftest import REPO  # noqa: E402

QUESTIONS = [
    "Welchen Anteil an OpenAI soll Microsoft erhalten haben?",
    "Ist Microsoft heute noch exklusiver Cloud-Anbieter von OpenAI?",
    "Wie viel hat Microsoft 2019 in OpenAI investiert?",
    "How much did Microsoft invest in OpenAI?",
    "Partnerschaften zwischen Unternehmen",
]


def _settings(tmp_path, seeds_dir, name: str, backend: str):
    return load_settings(
        paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / f"index-{name}", "models_dir": REPO / "models"},
        embedding={"backend": "hashing", "dim": 256},
        store={"backend": backend, "uri": str(tmp_path / "lite" / f"{name}.db")},
    )


@pytest.fixture
def pair(tmp_path, seeds_dir):
    """(local, milvus) Assistants built from the same seeds."""
    local = Assistant.from_settings(_settings(tmp_path, seeds_dir, "local", "local"))
    milvus = Assistant.from_settings(_settings(tmp_path, seeds_dir, "milvus", "milvus"))
    local.rebuild()
    milvus.rebuild()
    return local, milvus


def _rows(assistant) -> int:
    store = assistant.store()
    return connect(store.uri).query(store.collection, filter="", output_fields=["count(*)"])[0]["count(*)"]


def test_same_hits_scores_and_answers_as_the_local_store(pair):
    local, milvus = pair
    lv, mv = local.index(), milvus.index()
    assert mv.size == lv.size > 0 and mv.manifest.documents == lv.manifest.documents
    assert _rows(milvus) == lv.size
    for mode in ("dense", "bm25", "hybrid"):
        for question in QUESTIONS:
            a = Retriever(lv, local.embedder, local.settings.retrieval).search(question, "de", k=8, mode=mode)
            b = Retriever(mv, milvus.embedder, milvus.settings.retrieval).search(question, "de", k=8, mode=mode)
            assert [h.chunk for h in a] == [h.chunk for h in b], (mode, question)
            np.testing.assert_allclose([h.score for h in a], [h.score for h in b], rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose([h.lexical_score for h in a], [h.lexical_score for h in b], rtol=1e-4, atol=1e-6)
    for question in QUESTIONS:
        x, y = local.ask(question).to_json(), milvus.ask(question).to_json()
        assert (x["answer"], x["citations"], x["refused"]) == (y["answer"], y["citations"], y["refused"])
    # The reader's idf comes from the engine's document frequencies.
    for term in ("microsoft", "openai", "partnerschaft", "nichtda"):
        assert mv.idf(term) == pytest.approx(lv.idf(term), rel=1e-9)


@pytest.mark.parametrize("where", [
    SearchFilter(since="2023"), SearchFilter(until="2022-12"), SearchFilter(since="2023-01", until="2023-01"),
    SearchFilter(since="2019-07-22"), SearchFilter(sources=frozenset({"000_0d2b54194bb49e3b.txt", "x\"y.txt"})),
    SearchFilter(exclude_sources=frozenset({"000_0d2b54194bb49e3b.txt"}), since="2020"),
])
def test_filters_run_inside_the_engine_with_the_local_semantics(pair, where):
    local, milvus = pair
    lv, mv = local.index(), milvus.index()
    admitted = {c.chunk_id for c, keep in zip(lv.chunks, where.mask(lv.chunks)) if keep}
    qvec = local.embedder.encode_queries(["Microsoft OpenAI Investition"])[0]
    dense = [mv.chunk(k).chunk_id for k, _ in mv.search_dense(qvec, 100, where)]
    assert sorted(dense) == sorted(admitted)
    a = Retriever(lv, local.embedder, local.settings.retrieval).search("Microsoft OpenAI", "de", k=5, where=where)
    b = Retriever(mv, milvus.embedder, milvus.settings.retrieval).search("Microsoft OpenAI", "de", k=5, where=where)
    assert [h.chunk.chunk_id for h in a] == [h.chunk.chunk_id for h in b]
    assert all(h.chunk.chunk_id in admitted for h in b)


def test_sources_and_the_library_through_the_assistant(pair):
    """`ask(sources=...)`, the listing and the preview read the same from either store."""
    local, milvus = pair
    only = ["001_06e8ede0839f87ad.txt"]
    a = local.ask("Microsoft OpenAI Partnerschaft", k=4, sources=only)
    b = milvus.ask("Microsoft OpenAI Partnerschaft", k=4, sources=only)
    assert len(b.hits) == 4 and {h.chunk.source for h in b.hits} == set(only)
    assert [h.chunk.chunk_id for h in a.hits] == [h.chunk.chunk_id for h in b.hits]
    assert milvus.documents() == local.documents()
    preview = milvus.document("003_7f6e26588299af66.txt")
    assert preview.to_json() == local.document("003_7f6e26588299af66.txt").to_json()
    assert preview.chunks and all(preview.text[c.start:c.end] for c in preview.chunks)


def test_filter_expressions_quote_and_bound_dates():
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    assert expression(None) == "" and expression(SearchFilter()) == ""
    assert expression(SearchFilter(since="2024-06")) == 'date != "" and (date >= "2024-06" or date in ["2024"])'
    assert expression(SearchFilter(until="2024")) == 'date != "" and date <= "2024~"'


def test_updates_are_upserts_and_deletes_of_the_changed_documents_only(pair):
    _, milvus = pair
    seeds = milvus.settings.paths.seeds_dir
    before = milvus.index().manifest

    (seeds / "new.md").write_text("Ein neues Dokument über Katzen und Hunde. Es hat zwei Sätze.", encoding="utf-8")
    report = milvus.rebuild()
    manifest = milvus.index().manifest
    added = manifest.documents["new.md"].n_chunks
    assert report.added == ["new.md"] and added >= 1
    assert report.writes == {"upserted": added, "deleted": 0, "repaired": 0, "sentence_rows": 2}
    assert _rows(milvus) == manifest.n_chunks == before.n_chunks + added

    changed = "003_7f6e26588299af66.txt"
    old = manifest.documents[changed].n_chunks
    with open(seeds / changed, "a", encoding="utf-8") as fh:
        fh.write("\nEin weiterer Satz am Ende über Katzen.")
    report = milvus.rebuild()
    manifest = milvus.index().manifest
    assert report.changed == [changed]
    assert report.writes["upserted"] == manifest.documents[changed].n_chunks and report.writes["deleted"] == old
    assert _rows(milvus) == manifest.n_chunks

    (seeds / "renamed.md").write_bytes((seeds / "new.md").read_bytes())
    (seeds / "new.md").unlink()
    report = milvus.rebuild()
    assert report.added == ["renamed.md"] and report.removed == ["new.md"] and report.embedded_chunks == 0
    assert report.writes["upserted"] == added and report.writes["deleted"] == added
    assert report.writes["sentence_rows"] == 2  # the renamed document's sentences move with it
    hits = milvus.ask("Katzen und Hunde").hits
    assert "renamed.md" in {h.chunk.source for h in hits} and "new.md" not in {h.chunk.source for h in hits}

    assert milvus.rebuild().writes == {}  # nothing changed: nothing written
    assert _rows(milvus) == milvus.index().size


def test_an_interrupted_update_is_repaired_by_the_next(pair):
    """Rows written but never published (a crash before the manifest) are deleted by the
    next update, and a reader skips them meanwhile."""
    _, milvus = pair
    store = milvus.store()
    view = milvus.index()
    orphan = dict(connect(store.uri).get(store.collection, ids=[0])[0])
    orphan.pop("sparse", None)
    orphan["id"] = view.manifest.next_id + 5
    connect(store.uri).upsert(store.collection, [orphan])
    hits = [k for k, _ in view.search_dense(np.asarray(orphan["vector"], dtype=np.float32), 50)]
    assert 0 in hits and orphan["id"] not in hits
    (milvus.settings.paths.seeds_dir / "new.md").write_text("Noch ein Dokument.", encoding="utf-8")
    report = milvus.rebuild()
    assert report.writes["repaired"] == 1 and _rows(milvus) == milvus.index().size


def test_manifest_checks_and_store_choice(pair, tmp_path):
    local, milvus = pair
    # A changed embedder rebuilds the collection rather than mixing vectors.
    other = Assistant.from_settings(milvus.settings.model_copy(update={
        "embedding": milvus.settings.embedding.model_copy(update={"dim": 128})}))
    report = other.rebuild()
    assert report.full_rebuild and "embedder changed" in report.reason
    assert other.index().dim == 128 and _rows(other) == other.index().size
    # An index kept in Milvus is not read as a local one, nor a local one as Milvus's.
    with pytest.raises(ConfigError, match="milvus"):
        open_store(local.settings.store, milvus.settings.paths.index_dir)
    foreign = Assistant.from_settings(local.settings.model_copy(update={"store": milvus.settings.store}))
    with pytest.raises(Exception, match="local store"):
        foreign.index()
    with pytest.raises(BackendUnavailableError, match="Available: local, milvus"):
        open_store(local.settings.store.model_copy(update={"backend": "nope"}), tmp_path)
    with pytest.raises(ConfigError, match=r"\.db"):
        open_store(milvus.settings.store.model_copy(update={"uri": str(tmp_path / "x")}), tmp_path)


def test_nothing_changed_in_milvus_loads_no_model_and_writes_nothing(pair, monkeypatch):
    """The fast path of an update with nothing to do holds for Milvus too: decided from the
    manifest (`live_manifest`) and the seed files' stats; no embedding, no publish."""
    from rag.index.milvus.store import MilvusStore
    from rag.ingest.update import update_index

    class NoModel:
        model_id, dim = "hashing-256", 256

        def encode_documents(self, texts, progress=None):
            raise AssertionError("nothing changed, yet the model was asked to encode")

    def no_publish(*args, **kwargs):
        raise AssertionError("nothing changed, yet the store was written")

    _, milvus = pair
    monkeypatch.setattr(MilvusStore, "publish", no_publish)
    s = milvus.settings
    report = update_index(s.paths.seeds_dir, s.paths.index_dir, s.chunking, NoModel(), "hashing",
                          store=milvus.store())
    assert report.unchanged and not (report.added or report.changed or report.removed)
    assert report.embedded_chunks == 0 and not report.full_rebuild and report.writes == {}

"""What one question asks of Milvus (on a real Milvus Lite): the engine's own top n for dense
and BM25, ids only, filters inside; then the candidates' rows by primary key; the same
requests whatever the collection's size. And every update leaves the rows flushed."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason="pip install -e '.[milvus]'")

from rag.answer.analysis import analyze_question  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.core.config import load_settings  # noqa: E402
from rag.index.filters import SearchFilter  # noqa: E402
from rag.index.milvus.schema import sentence_collection  # noqa: E402
from rag.index.milvus.view import MilvusView  # noqa: E402
from rag.retrieval.retriever import Retriever  # noqa: E402

from tests.conftest import REPO  # noqa: E402

QUESTIONS = ["Welchen Anteil an OpenAI soll Microsoft erhalten haben?",
             "Wie viel Geld soll in Stargate fließen?",
             "How much did Microsoft invest in OpenAI in 2019?"]
TOWNS = ["Basel", "Tannwald", "Erfurt", "Görlitz", "Lindau", "Passau", "Kiel", "Jena"]


class Recorder:
    """The real client, with each request it is given written down."""

    def __init__(self, client):
        self.client, self.calls = client, []

    def search(self, collection, **kwargs):
        self.calls.append(("search", collection, kwargs["limit"], kwargs.get("filter", ""),
                           tuple(kwargs["output_fields"])))
        return self.client.search(collection, **kwargs)

    def get(self, collection, ids, output_fields):
        self.calls.append(("get", collection, len(ids), tuple(output_fields)))
        return self.client.get(collection, ids=ids, output_fields=output_fields)

    def query(self, collection, **kwargs):
        self.calls.append(("query", collection, kwargs.get("filter")))
        return self.client.query(collection, **kwargs)


def _milvus(tmp_path: Path, name: str, extra_docs: int) -> Assistant:
    docs = tmp_path / f"docs-{name}"
    docs.mkdir()
    for seed in (REPO / "seeds").iterdir():
        (docs / seed.name).write_bytes(seed.read_bytes())
    for i in range(extra_docs):  # more rows on the same topics' words, to grow the collection
        town = TOWNS[i % len(TOWNS)]
        (docs / f"extra{i:03d}.md").write_text(
            f"date 20{10 + i % 15}-0{1 + i % 9}\n{town} baut eine Brücke Nummer {i}. Die Stadt {town} investiert "
            f"{i + 3} Millionen Euro in Partnerschaften mit Unternehmen. Microsoft und OpenAI sind nicht beteiligt, "
            f"sagt der Bürgermeister von {town}. Die Bauzeit beträgt {i % 7 + 1} Jahre.", encoding="utf-8")
    settings = load_settings(paths={"seeds_dir": docs, "index_dir": tmp_path / f"index-{name}", "models_dir": REPO / "models"},
                             embedding={"backend": "hashing", "dim": 256},
                             store={"backend": "milvus", "uri": str(tmp_path / "lite" / f"{name}.db")})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    return assistant


def _requests(assistant: Assistant, question: str, where: SearchFilter | None = None):
    """The requests one question makes of a fresh view (nothing cached), and its hits."""
    view = assistant.index()
    recorder = Recorder(view.client)
    fresh = MilvusView(recorder, view.collection, view.manifest, view.version, view.settings, view.store, view.terms)
    hits = Retriever(fresh, assistant.embedder, assistant.settings.retrieval).search_question(
        analyze_question(question), k=5, where=where, sentences=True)
    return recorder.calls, hits


def _shape(calls):
    """The requests with their row counts bounded: what must not change with the collection."""
    return [(c[0], c[1], c[2] if c[0] == "search" else c[3]) for c in calls]


def test_rows_requested_per_question_do_not_grow_with_the_collection(tmp_path):
    small, large = _milvus(tmp_path, "small", 0), _milvus(tmp_path, "large", 120)
    assert large.index().size >= 3 * small.index().size
    n = small.settings.retrieval.candidates
    chunks, sentences = small.settings.store.collection, sentence_collection(small.settings.store.collection)
    for question in QUESTIONS:
        shapes = []
        for assistant in (small, large):
            calls, hits = _requests(assistant, question)
            searches = [c for c in calls if c[0] == "search"]
            # The engine's own top n, dense and BM25, ids only; no scan, no count.
            assert [(c[1], c[2], c[4]) for c in searches] == [(chunks, n, ("id",))] * 2, question
            assert not [c for c in calls if c[0] == "query"]
            gets = [c for c in calls if c[0] == "get"]
            scoring = [c for c in gets if c[3] == ("id", "vector", "text_stem")]
            assert sum(c[2] for c in scoring) <= 2 * n  # the candidates' vectors and stems
            hit_rows = [c for c in gets if "meta" in c[3]]
            assert [c[2] for c in hit_rows] == [len(hits)] == [5]  # chunk fields: the hits only
            sentence_rows = [c for c in gets if c[1] == sentences]
            assert [c[2] for c in sentence_rows] == [sum(len(h.sentences.spans) for h in hits)]
            shapes.append(_shape(calls))
        assert shapes[0] == shapes[1], question  # the same requests at 1x and 3x the rows


def test_a_filtered_question_is_filtered_inside_both_searches(tmp_path):
    large = _milvus(tmp_path, "filtered", 40)
    where = SearchFilter(since="2020", until="2022")
    calls, hits = _requests(large, "Wie viel investiert die Stadt in Partnerschaften?", where)
    searches = [c for c in calls if c[0] == "search"]
    assert len(searches) == 2 and all(c[3] and c[2] == large.settings.retrieval.candidates for c in searches)
    assert hits and all("2020" <= h.chunk.date[:4] <= "2022" for h in hits)


def test_every_update_leaves_the_rows_sealed(tmp_path):
    """Flushed after each update: no row waits in Milvus Lite's write-ahead log, where a
    search scans it row by row (45x a flushed search at 20,000 rows, issue 36)."""
    assistant = _milvus(tmp_path, "flushed", 0)
    root = Path(assistant.store().uri) / "collections"
    seeds = assistant.settings.paths.seeds_dir

    def pending() -> list[Path]:
        return [p for name in ("rag_chunks", "rag_chunks_sentences") for p in (root / name / "wal").glob("*")
                if p.is_file() and p.stat().st_size]

    assert (root / "rag_chunks").is_dir() and pending() == []
    (seeds / "neu.md").write_text("Ein neues Dokument über Katzen. Es hat zwei Sätze.", encoding="utf-8")
    assert Assistant.from_settings(assistant.settings).rebuild().added == ["neu.md"]
    assert pending() == []
    (seeds / "neu.md").unlink()
    assert Assistant.from_settings(assistant.settings).rebuild().removed == ["neu.md"]
    assert pending() == []
    # The check sees unflushed rows: one written behind the store's back waits in the log.
    from rag.index.milvus.client import connect

    client = connect(assistant.store().uri)
    row = dict(client.get("rag_chunks", ids=[0])[0])
    row.pop("sparse", None)
    row["id"] = assistant.index().manifest.next_id + 1
    client.upsert("rag_chunks", [row])
    assert pending()

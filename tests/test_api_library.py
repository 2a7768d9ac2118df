"""The document library over REST, against a running server: the listing (with imported
CSV rows, which once made it a 500), the preview, and `sources` in POST /api/ask."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest

KEY = "sk-test-library"
CSV = ("id,title,date,text\n"
       "a1,Solarpark Kleinhausen,2024-05-02,Die Stadtwerke Kleinhausen eröffnen einen Solarpark mit 4000 Modulen.\n"
       "a2,Hafen Nordstadt,01.03.2023,Der Hafen Nordstadt schlägt 2023 zwölf Millionen Tonnen um.\n")


@pytest.fixture(scope="module")
def served(seeds_index, serve_app, tmp_path_factory):
    assistant = seeds_index(api={"keys": [KEY]})
    table = tmp_path_factory.mktemp("import") / "meldungen.csv"
    table.write_text(CSV, encoding="utf-8")
    assistant.add_import(table, "csv", "text", title="title", date="date", id="id")
    assistant.rebuild()
    return assistant, serve_app(assistant)


@pytest.fixture(scope="module")
def api(served):
    with httpx.Client(base_url=served[1], headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        yield client


def test_listing_holds_imported_rows(api):
    r = api.get("/api/documents")
    assert r.status_code == 200, r.text  # issue #32: a ResponseValidationError (500) on "imported"
    rows = {d["source"]: d for d in r.json()}
    row = rows["meldungen.csv#a2"]
    assert row["state"] == "imported" and row["format"] == "csv" and row["chunks"] >= 1
    assert (row["title"], row["date"], row["date_source"]) == ("Hafen Nordstadt", "2023-03-01", "metadata")
    seed = rows["003_7f6e26588299af66.txt"]
    assert (seed["state"], seed["format"], seed["date"], seed["date_source"]) == ("indexed", "text", "2025-01", "user")
    assert rows["000_0d2b54194bb49e3b.txt"]["date_source"] == "marker"


def test_preview_of_a_file_and_of_a_row(api, served):
    seeds = served[0].settings.paths.seeds_dir
    data = api.get("/api/documents/003_7f6e26588299af66.txt").json()
    assert data["state"] == "indexed" and data["note"] == ""
    assert data["chunks"] and all(c["indexed"] for c in data["chunks"])
    # Every chunk's offsets point into the text, as citations do.
    index = served[0].index()
    keys = index.document_keys(index.manifest.documents["003_7f6e26588299af66.txt"].id_range)
    for span, chunk in zip(data["chunks"], index.chunks_of(keys)):
        assert data["text"][span["start"]:span["end"]] == chunk.text
    assert "Stargate" in data["text"] and len(data["text"]) > 1000
    assert (seeds / "003_7f6e26588299af66.txt").exists()
    row = api.get("/api/documents/" + urllib.parse.quote("meldungen.csv#a1", safe="")).json()
    assert row["state"] == "imported" and "Solarpark mit 4000 Modulen" in row["text"]
    missing = api.get("/api/documents/nope.txt")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"


def test_preview_of_a_new_file_shows_the_chunks_to_come(api, served):
    seeds = served[0].settings.paths.seeds_dir
    (seeds / "neu.txt").write_text("Ein neuer Artikel.\n\nEr ist noch nicht im Index.", encoding="utf-8")
    try:
        data = api.get("/api/documents/neu.txt").json()
        assert data["state"] == "new" and data["chunks"] and not any(c["indexed"] for c in data["chunks"])
        assert data["text"].startswith("Ein neuer Artikel.")
    finally:
        (seeds / "neu.txt").unlink()


def test_ask_only_some_documents(api):
    question = "Wer ist an Stargate beteiligt?"
    only = ["004_878f3f8685ed7ceb.txt", "000_0d2b54194bb49e3b.txt"]
    data = api.post("/api/ask", json={"question": question, "sources": only, "k": 5}).json()
    assert data["retrieved"] and {r["source"] for r in data["retrieved"]} <= set(only)
    everything = api.post("/api/ask", json={"question": question, "k": 5}).json()
    assert "003_7f6e26588299af66.txt" in {r["source"] for r in everything["retrieved"]}
    bad = api.post("/api/ask", json={"question": question, "sources": ["nope.txt"]})
    assert bad.status_code == 400 and "nope.txt" in bad.json()["error"]["message"]

"""Bulk imports: `rag add --csv/--jsonl` writes a spec, `rag index` reads the rows in place."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.cli import main
from rag.core.errors import InputError
from rag.ingest import sources
from tests.conftest import encoded_texts

ROWS = [
    ("a1", "Hafen in Hamburg", "2024-03-01", "Der Hamburger Hafen hat 2023 insgesamt 7,7 Millionen Container umgeschlagen. "
                                             "Das sind weniger als im Vorjahr."),
    ("a2", "Brücke in Köln", "12.05.2024", "Die Mülheimer Brücke in Köln wird seit 2018 saniert. "
                                           "Die Sanierung kostet nach neuen Schätzungen 300 Millionen Euro."),
    ("a3", "Zoo in Leipzig", "", "Der Leipziger Zoo zählte im vergangenen Jahr 1,9 Millionen Besucher; "
                                 "besonders beliebt war die Tropenhalle Gondwanaland."),
]
GNAD = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "10kgnad" / "test.csv"


def _write_csv(path: Path, rows, header=("id", "titel", "datum", "text")) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notiz.txt").write_text("Eine kurze Notiz über das Wetter in Bremen. Es regnet.", encoding="utf-8")
    return folder


@pytest.fixture
def settings(docs, tmp_path):
    from rag.core.config import load_settings
    from tests.conftest import REPO

    return load_settings(paths={"seeds_dir": docs, "index_dir": tmp_path / "index", "models_dir": REPO / "models"},
                         embedding={"backend": "hashing", "dim": 256})


def test_csv_rows_become_documents_and_updates_are_incremental(settings, tmp_path, monkeypatch):
    data = _write_csv(tmp_path / "artikel.csv", ROWS)
    assistant = Assistant.from_settings(settings)
    spec = assistant.add_import(data, "csv", "text", title="titel", date="datum", id="id", delimiter=";")
    assert spec == settings.paths.seeds_dir / "artikel.import.json"
    assert json.loads(spec.read_text())["path"] == str(data)  # the data stays where it is
    report = assistant.rebuild()
    assert report.added == ["artikel.csv#a1", "artikel.csv#a2", "artikel.csv#a3", "notiz.txt"]

    answer = assistant.ask("Wie viel kostet die Sanierung der Mülheimer Brücke?")
    cited = answer.to_json()["citations"]
    assert cited and cited[0]["source"] == "artikel.csv#a2"
    assert (cited[0]["title"], cited[0]["date"], cited[0]["date_source"]) == ("Brücke in Köln", "2024-05-12", "metadata")

    # Unchanged: the CSV is not even read (its stat and the spec's are as recorded). Files
    # written within RACY_NS (2 s) of the scan are re-read as "racily clean"; the test's files
    # were written milliseconds ago, so that window is closed here.
    monkeypatch.setattr(sources, "RACY_NS", 0)
    reads = []
    monkeypatch.setattr(sources, "expand", lambda *a: reads.append(a) or _real_expand(*a))
    again = Assistant.from_settings(settings)
    report = again.rebuild()
    assert not (report.added or report.changed or report.removed) and again.embedder.documents_encoded == 0
    assert reads == []

    # One row edited: only that row is re-embedded.
    changed = [ROWS[0], (ROWS[1][0], ROWS[1][1], ROWS[1][2], ROWS[1][3] + " Fertig wird sie 2026."), ROWS[2]]
    _write_csv(data, changed)
    step = Assistant.from_settings(settings)
    report = step.rebuild()
    assert report.changed == ["artikel.csv#a2"] and not report.added and not report.removed
    assert report.embedded_chunks == 1
    assert step.embedder.documents_encoded == encoded_texts(
        [c for c in step.index().chunks if c.source == "artikel.csv#a2"])
    assert len(reads) == 1

    # The spec removed: its rows leave the index, the rest stays.
    spec.unlink()
    report = Assistant.from_settings(settings).rebuild()
    assert report.removed == ["artikel.csv#a1", "artikel.csv#a2", "artikel.csv#a3"]
    assert report.unchanged == ["notiz.txt"]


def _real_expand(*args):
    from rag.ingest.imports import expand

    return expand(*args)


def test_columns_by_number_without_header_and_row_numbers_as_ids(settings, tmp_path, capsys, monkeypatch):
    data = _write_csv(tmp_path / "ohne_kopf.csv", [r[1:] for r in ROWS] + [("Leer", "", "")], header=None)
    monkeypatch.setenv("RAG_PATHS__SEEDS_DIR", str(settings.paths.seeds_dir))
    monkeypatch.setenv("RAG_PATHS__INDEX_DIR", str(settings.paths.index_dir))
    monkeypatch.setenv("RAG_EMBEDDING__BACKEND", "hashing")
    monkeypatch.setenv("RAG_EMBEDDING__DIM", "256")
    assert main(["add", "--csv", str(data), "--delimiter", ";", "--no-header", "--text-col", "3",
                 "--title-col", "1", "--then-index"]) == 0
    out = capsys.readouterr()
    # The empty row is the one warning, naming the row.
    assert out.err.splitlines() == ["warning: skipped ohne_kopf.csv#4: empty: the text column is empty"]
    chunks = Assistant.from_settings(settings).index().chunks
    by_source = {c.source: c for c in chunks}
    assert by_source["ohne_kopf.csv#3"].title == "Zoo in Leipzig"
    assert by_source["ohne_kopf.csv#1"].text.startswith("Der Hamburger Hafen")


def test_jsonl_import(settings, tmp_path):
    data = tmp_path / "feed.jsonl"
    data.write_text("\n".join(json.dumps({"guid": r[0], "headline": r[1], "published": r[2], "body": r[3]},
                                         ensure_ascii=False) for r in ROWS) + "\n", encoding="utf-8")
    assistant = Assistant.from_settings(settings)
    assistant.add_import(data, "jsonl", "body", title="headline", date="published", id="guid")
    assistant.rebuild()
    answer = assistant.ask("Wie viele Container hat der Hamburger Hafen 2023 umgeschlagen?")
    assert answer.citations and answer.citations[0].chunk.source == "feed.jsonl#a1"
    assert answer.citations[0].chunk.date == "2024-03-01"


def test_a_missing_column_or_file_is_reported_when_adding(settings, tmp_path):
    data = _write_csv(tmp_path / "artikel.csv", ROWS)
    assistant = Assistant.from_settings(settings)
    with pytest.raises(InputError, match="'inhalt' is not a column; the columns are: id, titel, datum, text"):
        assistant.add_import(data, "csv", "inhalt", delimiter=";")
    with pytest.raises(InputError, match="does not exist"):
        assistant.add_import(tmp_path / "fehlt.csv", "csv", "text")
    assert not list(settings.paths.seeds_dir.glob("*.import.json"))


@pytest.mark.skipif(not GNAD.is_file(), reason=f"the 10kGNAD test split is not at {GNAD}")
def test_the_10kgnad_csv_imports_with_one_command(settings, monkeypatch, capsys):
    monkeypatch.setenv("RAG_PATHS__SEEDS_DIR", str(settings.paths.seeds_dir))
    monkeypatch.setenv("RAG_PATHS__INDEX_DIR", str(settings.paths.index_dir))
    monkeypatch.setenv("RAG_EMBEDDING__BACKEND", "hashing")
    monkeypatch.setenv("RAG_EMBEDDING__DIM", "256")
    assert main(["add", "--csv", str(GNAD), "--delimiter", ";", "--quotechar", "'", "--no-header",
                 "--text-col", "2", "--then-index"]) == 0
    capsys.readouterr()
    with open(GNAD, encoding="utf-8", newline="") as fh:
        expected = [row for row in csv.reader(fh, delimiter=";", quotechar="'")]
    manifest = Assistant.from_settings(settings).index().manifest
    rows = {s for s in manifest.documents if s.startswith("test.csv#")}
    report = Assistant.from_settings(settings).rebuild()  # nothing to do the second time
    assert not (report.added or report.changed or report.removed)
    # Every row is a document, or a duplicate of one, or named in a warning.
    assert len(rows) + len([s for s in report.duplicates if s.startswith("test.csv#")]) \
        + len([s for s, _ in report.skipped if s.startswith("test.csv#")]) == len(expected)
    assert len(rows) > 0.95 * len(expected)
    # Nothing was copied into the documents folder: only the spec, a few hundred bytes.
    copied = [p for p in settings.paths.seeds_dir.rglob("*") if p.is_file() and p.name != "notiz.txt"]
    assert [p.name for p in copied] == ["test.import.json"] and os.path.getsize(copied[0]) < 1000

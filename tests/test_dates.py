"""A document's date and its provenance (rag/ingest/dates.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rag.ingest.dates import inferred_date, resolve_date
from rag.text.dates import display_date

TODAY = dt.date(2026, 12, 2)


def test_the_order_of_sources():
    text = "Wien, 3. Oktober 2024 – Die Regierung hat beschlossen. Im März 2024 begann es."
    assert resolve_date(user="2024-10-05", marker="2024-10", text=text, today=TODAY) == ("2024-10-05", "user")
    assert resolve_date(marker="2024-10", metadata="2024-10-04", text=text, today=TODAY) == ("2024-10", "marker")
    assert resolve_date(metadata="2024-10-04", text=text, today=TODAY) == ("2024-10-04", "metadata")
    assert resolve_date(text=text, today=TODAY) == ("2024-10-03", "dateline")
    assert resolve_date(text="Im März 2024 begann es. Anfang Oktober 2024 gab es Streit.", today=TODAY) == (
        "2024-10", "inferred")
    assert resolve_date(text="Ein Text ohne jedes Datum.", today=TODAY) == (None, None)


@pytest.mark.parametrize("text, expected", [
    ("Die bis 2030 laufende Partnerschaft begann 2019.", "2019"),  # a bound into the future
    ("Der Vertrag soll 2027 enden. Seit 2019 arbeiten sie zusammen.", "2019"),
    ("Ab 2026 gilt die Regel, beschlossen wurde sie am 14. Juli 2015.", "2015-07-14"),
    ("Zwischen 2019 und Anfang 2023 flossen weitere Milliarden.", "2023"),
    ("Im Jahr 2031 war das so.", None),  # after today: not a past report
    ("Der Deal fiel 2024. Bereits vergangenen Juni hatte Oracle Kapazitäten zugesagt.", "2024-06"),
    ("Am 03.10.2024 kam es zum Streit, im März 2024 hatte er begonnen.", "2024-10-03"),
])  # fmt: skip
def test_inferred_is_the_latest_past_date_reported(text, expected):
    assert inferred_date(text, today=TODAY) == expected


def test_an_inferred_date_is_shown_as_a_lower_bound():
    assert display_date("2024-10", "inferred") == "≥ 2024-10"
    assert display_date("2024-10", "marker") == "2024-10"
    assert display_date(None, None) == ""


def test_the_seeds_dates_and_where_they_come_from():
    from rag.ingest.documents import load_documents

    docs = {d.source: (d.date, d.date_source) for d in load_documents(Path(__file__).parent.parent / "seeds").documents}
    assert docs["000_0d2b54194bb49e3b.txt"] == ("2023-01", "marker")
    assert docs["004_878f3f8685ed7ceb.txt"] == ("2024-10", "marker")
    assert docs["003_7f6e26588299af66.txt"] == ("2025-01", "user")  # its .meta.json sidecar
    assert all(source in {"inferred"} for (_, source) in
               (docs["001_06e8ede0839f87ad.txt"], docs["002_6df6d283adceccb0.txt"]))


def test_a_sidecar_sets_the_date_and_editing_it_reindexes_only_that_file(tmp_path):
    from rag.ingest.sources import scan_seeds
    from rag.index.manifest import DocumentEntry

    (tmp_path / "a.txt").write_text("Eine Meldung ohne Datum über den Stadtrat.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Wien, 3. Oktober 2024 – Der Gemeinderat tagte.\n", encoding="utf-8")
    (tmp_path / "a.txt.meta.json").write_text('{"date": "2024-05-02", "title": "Stadtrat"}', encoding="utf-8")
    found, skipped = scan_seeds(tmp_path, {})
    assert skipped == []  # the sidecar is no document of its own
    by = {f.source: f for f in found}
    assert set(by) == {"a.txt", "b.txt"}
    assert (by["a.txt"].doc.date, by["a.txt"].doc.date_source, by["a.txt"].doc.title) == ("2024-05-02", "user", "Stadtrat")
    assert (by["b.txt"].doc.date, by["b.txt"].doc.date_source) == ("2024-10-03", "dateline")

    indexed = {f.source: DocumentEntry(doc_id=f.doc.doc_id, content_hash=f.content_hash, title=f.doc.title,
                                       date=f.doc.date, id_range=(0, 1), chars=0, stat=f.stat) for f in found}
    (tmp_path / "a.txt.meta.json").write_text('{"date": "2024-06"}', encoding="utf-8")
    again, _ = scan_seeds(tmp_path, indexed)
    changed = {f.source: f for f in again if f.doc is not None}
    assert set(changed) == {"a.txt"} and changed["a.txt"].doc.date == "2024-06"
    assert changed["a.txt"].content_hash != indexed["a.txt"].content_hash


def test_a_bad_sidecar_skips_its_file_with_the_reason(tmp_path):
    from rag.ingest.sources import scan_seeds

    (tmp_path / "a.txt").write_text("Text.\n", encoding="utf-8")
    (tmp_path / "a.txt.meta.json").write_text('{"datum": "gestern"}', encoding="utf-8")
    found, skipped = scan_seeds(tmp_path, {})
    assert found == [] and skipped[0][0] == "a.txt" and "sidecar" in skipped[0][1]

"""Ingestion: encoding repair, date marker, title, boilerplate, bad files."""

from __future__ import annotations

from rag.ingest.documents import clean_article, decode_bytes, load_documents, parse_document
from tests.conftest import SEEDS


def _doc(name: str):
    return parse_document(name, (SEEDS / name).read_bytes())


def test_mojibake_is_repaired_in_seed_003():
    doc = _doc("003_7f6e26588299af66.txt")
    assert "außer Microsoft" in doc.text and "für Stargate" in doc.text
    assert "Ă" not in doc.text and "auĂźer" not in doc.text
    assert doc.title == "OpenAI darf jetzt auch andere Cloud-Anbieter außer Microsoft nutzen"


def test_correct_umlauts_are_left_alone():
    text, _, _ = clean_article("Änderung für Österreich, Größe, Straße.")
    assert text == "Änderung für Österreich, Größe, Straße."


def test_date_marker_goes_to_metadata_and_out_of_text():
    for name, date in (("000_0d2b54194bb49e3b.txt", "2023-01"), ("004_878f3f8685ed7ceb.txt", "2024-10")):
        doc = _doc(name)
        assert doc.date == date
        assert "date 20" not in doc.text
        assert doc.text.startswith(("Microsoft hat Berichte", "Zwischen OpenAI"))


def test_headline_becomes_title_and_undated_gets_only_a_lower_bound():
    doc = _doc("001_06e8ede0839f87ad.txt")
    assert doc.title == "Neuer Deal in Sicht: Microsoft und OpenAI verhandeln weiter über Partnerschaft"
    # No marker, no metadata: only the latest year the text reports ("not before 2019").
    assert (doc.date, doc.date_source) == ("2019", "inferred")


def test_article_without_headline_gets_a_readable_title():
    doc = _doc("000_0d2b54194bb49e3b.txt")
    assert doc.title.startswith("Microsoft hat Berichte bestätigt")
    assert len(doc.title) <= 92


def test_boilerplate_is_stripped():
    text = _doc("002_6df6d283adceccb0.txt").text
    assert "Leave a Reply" not in text and "source-116" not in text
    text3 = _doc("003_7f6e26588299af66.txt").text
    assert "(Bild:" not in text3 and "(axk)" not in text3
    assert "Shutterstock" not in text3


def test_doc_id_is_stable_and_depends_on_name_and_content():
    data = (SEEDS / "000_0d2b54194bb49e3b.txt").read_bytes()
    a, b = parse_document("a.txt", data), parse_document("a.txt", data)
    assert a.doc_id == b.doc_id
    assert parse_document("b.txt", data).doc_id != a.doc_id
    assert parse_document("a.txt", data + b" Mehr.").doc_id != a.doc_id


def test_bad_files_are_skipped_with_their_names_and_reasons(seeds_dir):
    (seeds_dir / "empty.txt").write_bytes(b"")
    (seeds_dir / "blank.md").write_text("   \n\n")
    (seeds_dir / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (seeds_dir / "garbage.txt").write_bytes(bytes(range(128, 256)) * 30)
    (seeds_dir / "truncated.pdf").write_bytes(b"%PDF-1.4")
    (seeds_dir / "notes.xyz").write_text("Ein Text in einem unbekannten Format.")
    report = load_documents(seeds_dir)
    skipped = dict(report.skipped)
    assert set(skipped) == {"empty.txt", "blank.md", "binary.txt", "garbage.txt", "truncated.pdf", "notes.xyz"}
    assert skipped["empty.txt"].startswith("empty") and skipped["blank.md"].startswith("empty")
    assert skipped["binary.txt"].startswith("unsupported type: the content is a PNG image")
    assert skipped["garbage.txt"].startswith("undecodable")
    assert skipped["truncated.pdf"].startswith("undecodable: not a readable PDF")
    assert skipped["notes.xyz"] == ("unsupported type (.xyz); supported: .docx, .htm, .html, .md, .pdf, .txt")
    assert len(report.documents) == 5


def test_legacy_windows_encoding_is_decoded():
    assert decode_bytes("Größe außer".encode("cp1252")) == "Größe außer"

"""Each format, from bytes made by a real writer to a Document with exact offsets."""

from __future__ import annotations

import io
import zipfile

import pytest

from rag.core.config import IngestSettings
from rag.ingest.documents import read_document
from rag.ingest.formats import Rejected, read, supported_suffixes
from rag.ingest.formats.pdf import NO_TEXT, page_text, pdf_date
from rag.ingest.formats.sniff import sniff
from tests import writers

LIMITS = IngestSettings()


def _doc(name: str, data: bytes, limits: IngestSettings = LIMITS):
    doc = read_document(name, data, limits)
    assert not isinstance(doc, Rejected), doc
    return doc


def test_supported_suffixes_come_from_the_registry():
    assert supported_suffixes() == (".docx", ".htm", ".html", ".md", ".pdf", ".txt")


def test_sniff_judges_by_content():
    assert sniff(writers.make_pdf())[0] == "pdf"
    assert sniff(b"junk before\n" + writers.make_pdf())[0] == "pdf"
    assert sniff(writers.make_docx())[0] == "docx"
    assert sniff(writers.ARTICLE_PAGE.encode())[0] == "html"
    assert sniff(b"\xef\xbb\xbf\n <!-- x --><HTML><body>x</body></HTML>")[0] == "html"
    assert sniff("Größe".encode("utf-16"))[0] == "text"
    assert sniff(b"\x89PNG\r\n\x1a\n") == (None, "a PNG image")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("a.txt", "x")
    assert sniff(zipped.getvalue()) == (None, "a zip archive")


def test_html_keeps_the_article_and_drops_the_boilerplate():
    doc = _doc("radwege.html", writers.ARTICLE_PAGE.encode())
    assert doc.title == "Stadtrat beschließt neues Radwegenetz für Münster"
    # The publication date, not the modification date (2024-10-04), from the page's metadata.
    assert (doc.date, doc.date_source) == ("2024-10-03", "metadata")
    assert "48 Millionen Euro" in doc.text and "Heinz Großkopf" in doc.text
    for boilerplate in ("Cookies", "Anzeige", "Rabatt", "Startseite", "könnte Sie auch", "Jackpot",
                        "Radler77", "Parkgebühren", "Impressum", "Redaktionsschluss", "Facebook"):
        assert boilerplate not in doc.text, boilerplate
    assert "\n\n" in doc.text  # paragraphs stay paragraphs for the chunker


def test_pdf_pages_hyphenation_and_metadata():
    doc = _doc("bericht.pdf", writers.make_pdf())
    assert doc.title == writers.PDF_TITLE
    assert (doc.date, doc.date_source) == ("2024-05-14", "metadata")
    assert "Die gute Zusammenarbeit zwischen Stadt und Land" in doc.text  # "Zusammen-/arbeit" joined
    assert len(doc.pages) == 2 and doc.pages[0] == 0
    page2 = doc.text[doc.pages[1]:]
    assert page2.startswith("Der Neubau der Brücke über die Aa kostet 12 Millionen Euro.")
    assert "84 Brücken" in doc.text[:doc.pages[1]] and "84 Brücken" not in page2


def test_pdf_hyphen_marker_rules():
    # pdfium: U+FFFE for a hyphen at a line end; a word split before lower case, a real hyphen before a capital.
    assert page_text("Zusammen\ufffearbeit\r\nBaden\ufffeWürttemberg") == "Zusammenarbeit\nBaden-Württemberg"
    assert pdf_date("D:20241003100000+02'00'") == "2024-10-03" and pdf_date("") is None


def test_pdf_without_text_layer_and_broken_pdfs_are_named():
    assert read("scan.pdf", writers.make_blank_pdf(), LIMITS) == Rejected(NO_TEXT)
    truncated = writers.make_pdf()[:400]
    assert read("kaputt.pdf", truncated, LIMITS).reason.startswith("undecodable: not a readable PDF")


def test_pdf_page_cap():
    refused = read("lang.pdf", writers.make_pdf(), IngestSettings(max_pdf_pages=1))
    assert refused.reason.startswith("too large: 2 pages, over the 1-page limit")


def test_docx_paragraphs_headings_tables_and_properties():
    doc = _doc("elbe.docx", writers.make_docx())
    assert doc.title == "Hochwasser an der Elbe"
    assert (doc.date, doc.date_source) == ("2024-09-17", "metadata")
    assert doc.text.startswith("Hochwasser an der Elbe: Pegel in Dresden steigt weiter\n\nDer Pegel")
    assert "Die Feuerwehr hat 40.000 Sandsäcke verteilt, sagte Einsatzleiterin Sabine Köhler." in doc.text
    assert "Pegel Meißen | 7,1 m" in doc.text


def test_docx_without_properties_falls_back_to_its_heading_and_no_date():
    doc = _doc("elbe.docx", writers.make_docx(title="", created=None))
    assert doc.title == "Hochwasser an der Elbe: Pegel in Dresden steigt weiter"
    assert doc.date is None  # python-docx's template date (2013-12-23) is not the document's


def _bomb(declared_mb: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * (declared_mb << 20) + b"</w:document>")
    return out.getvalue()


def test_docx_zip_bomb_is_refused_from_declared_sizes():
    bomb = _bomb(120)
    assert len(bomb) < 1 << 20  # ~120 KB on disk
    refused = read("bombe.docx", bomb, LIMITS)
    assert refused.reason.startswith("too large: the DOCX would inflate to 120 MB, over the 100 MB limit")


def test_text_encodings_utf16_and_cp1252():
    for data in (writers.UTF16_TEXT.encode("utf-16"), writers.UTF16_TEXT.encode("utf-16-le"),
                 writers.UTF16_TEXT.encode("cp1252")):
        doc = _doc("brauerei.txt", data)
        assert doc.title == "Brauerei in Großhausen feiert Jubiläum"
        assert "jährlich 30.000 Hektoliter" in doc.text


def test_front_matter_is_metadata_not_text():
    data = ("---\nurl: https://example.org/a\ntitle: 'Titel: mit Doppelpunkt'\ndate: 2024-10-03\n"
            "date_source: metadata\n---\nDer Text beginnt hier. Er hat zwei Sätze.\n").encode()
    doc = _doc("web/a.md", data)
    assert doc.text == "Der Text beginnt hier. Er hat zwei Sätze."
    assert (doc.url, doc.title, doc.date, doc.date_source) == (
        "https://example.org/a", "Titel: mit Doppelpunkt", "2024-10-03", "metadata")


@pytest.mark.parametrize("name, cap", [("a.txt", "max_text_mb"), ("a.html", "max_html_mb"),
                                       ("a.pdf", "max_pdf_mb"), ("a.docx", "max_docx_mb")])
def test_each_type_has_its_own_size_cap(name, cap):
    data = {"a.txt": writers.UTF16_TEXT.encode() * 10, "a.html": writers.ARTICLE_PAGE.encode(),
            "a.pdf": writers.make_pdf(), "a.docx": writers.make_docx()}[name]
    refused = read(name, data, IngestSettings(**{cap: 0.001}))
    assert refused.reason.startswith("too large") and f"RAG_INGEST__{cap.upper()}" in refused.reason

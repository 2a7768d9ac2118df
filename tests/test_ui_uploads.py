"""Saving uploads into the documents folder (rag/ui/uploads.py): safe names, the same checks
as `rag index`, no overwrites."""

from __future__ import annotations

from pathlib import Path

from rag.core.config import IngestSettings
from rag.ui.uploads import safe_name, save_upload, store_bytes

ARTICLE = ("date 2024-05\nTestartikel über Sicherheit im Browser\n\n"
           "Die Firma Beispiel warnt vor <script>alert('x')</script> in Kommentaren. "
           "Der Angriff nutzt eingeschleuste Skripte in Webseiten.\n")


def test_safe_name():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\win.ini.md") == "win.ini.md"
    assert safe_name(".hidden.txt") == "hidden.txt"
    assert safe_name("Über uns & <b>.TXT") == "Ueber_uns_b.txt"
    assert safe_name("/") == "upload"


def test_upload_traversal_lands_inside_seeds(tmp_path):
    seeds = tmp_path / "seeds"
    r = store_bytes("../../etc/passwd.txt", ARTICLE.encode(), seeds, IngestSettings())
    assert r.status == "saved" and r.name == "passwd.txt"
    assert (seeds / "passwd.txt").read_text(encoding="utf-8") == ARTICLE
    assert not (tmp_path / "etc").exists()


def test_upload_size_cap_type_and_text_checks(tmp_path):
    seeds = tmp_path / "seeds"
    big = tmp_path / "big.txt"
    big.write_bytes(b"Ein Satz. " * 120_000)  # ~1.2 MB
    # Over the server's upload limit: refused before it is read.
    refused = save_upload(big, seeds, IngestSettings(), 1)
    assert refused.status == "rejected" and "over the 1 MB upload limit" in refused.message
    # Under it, but over the text type's own cap.
    refused = save_upload(big, seeds, IngestSettings(max_text_mb=1), 5)
    assert refused.status == "rejected" and "RAG_INGEST__MAX_TEXT_MB" in refused.message
    png = store_bytes("bild.png", b"\x89PNG\r\n\x1a\n\x00\x00", seeds, IngestSettings())
    assert png.status == "rejected" and "unsupported type (.png)" in png.message
    # The type is judged by content: a PNG named .pdf is no PDF.
    fake = store_bytes("artikel.pdf", b"\x89PNG\r\n\x1a\n\x00\x00", seeds, IngestSettings())
    assert fake.status == "rejected" and "the content is a PNG image, not a PDF" in fake.message
    r = store_bytes("binary.txt", b"\x00\x01\x02binary" * 50, seeds, IngestSettings())
    assert r.status == "rejected" and "undecodable" in r.message
    assert not seeds.exists() or not any(seeds.iterdir())


def test_upload_duplicate_and_name_clash(hashing_settings):
    seeds = Path(hashing_settings.paths.seeds_dir)
    existing = sorted(seeds.glob("*.txt"))[0]
    dup = store_bytes("copy.txt", existing.read_bytes(), seeds, IngestSettings())
    assert dup.status == "duplicate" and existing.name in dup.message
    assert not (seeds / "copy.txt").exists()
    clash = store_bytes(existing.name, ARTICLE.encode(), seeds, IngestSettings())
    assert clash.status == "renamed" and clash.name == existing.stem + "-1.txt"
    assert (seeds / clash.name).read_text(encoding="utf-8") == ARTICLE
    assert existing.read_bytes() != ARTICLE.encode()  # never overwritten






def test_upload_accepts_the_same_types_with_the_same_checks(tmp_path):
    import io
    import zipfile

    from tests import writers

    seeds = tmp_path / "seeds"
    limits = IngestSettings(max_pdf_pages=5)
    assert store_bytes("Brücken.pdf", writers.make_pdf(), seeds, limits).status == "saved"
    assert store_bytes("elbe.docx", writers.make_docx(), seeds, limits).status == "saved"
    assert store_bytes("seite.html", writers.ARTICLE_PAGE.encode(), seeds, limits).status == "saved"
    long_pdf = writers.make_pdf(pages=[[f"Seite {i} mit Text."] for i in range(6)])
    refused = store_bytes("lang.pdf", long_pdf, seeds, limits)
    assert refused.status == "rejected" and "6 pages, over the 5-page limit" in refused.message
    scan = store_bytes("scan.pdf", writers.make_blank_pdf(), seeds, limits)
    assert scan.status == "rejected" and "no text layer (scanned?); OCR is not supported" in scan.message
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b" " * (110 << 20))
    refused = store_bytes("bombe.docx", bomb.getvalue(), seeds, limits)
    assert refused.status == "rejected" and "would inflate to 110 MB" in refused.message
    assert sorted(p.name for p in seeds.iterdir()) == ["Bruecken.pdf", "elbe.docx", "seite.html"]

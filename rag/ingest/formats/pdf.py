"""PDF: the text layer page by page (pypdfium2, Apache-2.0/BSD; no AGPL library), with line-end
hyphenation repaired, and title and date from the document's metadata.

pdfium marks a hyphen at a line end with U+FFFE and drops the line break ("Zusammen\\ufffearbeit");
before a lower-case letter it is a word split and is removed, before a capital it is a real
hyphen ("Baden-Württemberg") and stays. pypdf was not chosen: it doubles spaces in justified
text and needs `cryptography` for AES-encrypted files; pdfium read 50 pages in 287 ms, pypdf 934.
"""

from __future__ import annotations

import re
import threading

from rag.core.config import IngestSettings
from rag.ingest.formats import FORMATS, Extracted, Format, Rejected

_LOCK = threading.Lock()  # PDFium is not thread-safe (the UI may read two uploads at once)
_SPLIT_WORD = re.compile(r"\ufffe(?=[a-zäöüß])")
# "D:YYYYMMDDHHmmSS+HH'mm'": pypdfium2 has no date parser and pypdf's is one more dependency.
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
NO_TEXT = "no text layer (scanned?); OCR is not supported"


def page_text(raw: str) -> str:
    """One page's text with pdfium's line ends and hyphen markers normalised."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _SPLIT_WORD.sub("", text).replace("\ufffe", "-")


def pdf_date(value: str | None) -> str | None:
    """ISO date ("YYYY-MM-DD", or shorter when the PDF gives less) of a PDF date string."""
    match = _PDF_DATE.match((value or "").strip())
    if not match or not 1900 <= int(match.group(1)) <= 2100:
        return None
    return "-".join(p for p in match.groups() if p)


def extract_pdf(data: bytes, limits: IngestSettings) -> Extracted | Rejected:
    import pypdfium2 as pdfium

    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                return Rejected("undecodable: the PDF is password-protected")
            return Rejected(f"undecodable: not a readable PDF ({exc})")
        try:
            if len(pdf) > limits.max_pdf_pages:
                return Rejected(f"too large: {len(pdf)} pages, over the {limits.max_pdf_pages}-page limit "
                                f"(RAG_INGEST__MAX_PDF_PAGES)")
            meta = pdf.get_metadata_dict()
            pages = []
            for i in range(len(pdf)):
                page = pdf[i]
                textpage = page.get_textpage()
                try:
                    pages.append(page_text(textpage.get_text_range()))
                finally:
                    textpage.close()
                    page.close()
        finally:
            pdf.close()
    if not any(p.strip() for p in pages):
        return Rejected(NO_TEXT)
    date = pdf_date(meta.get("CreationDate"))
    return Extracted(parts=tuple(pages), paged=True, title=(meta.get("Title") or "").strip() or None,
                     date=date, date_source="metadata" if date else None)


@FORMATS.register("pdf", "PDF text layer, page by page (pypdfium2)", requires=("pypdfium2",),
                  install="pip install pypdfium2")
def pdf_format() -> Format:
    return Format("pdf", "a PDF", (".pdf",), "max_pdf_mb", extract_pdf)

"""The type of a file judged by its content: magic numbers, hand-written because the libraries
measured get it wrong (puremagic calls any zip a DOCX; filetype cannot tell HTML or text)."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

# Readers tolerate junk before the PDF header; within the first KB is what they accept.
_PDF = b"%PDF-"
_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                   rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S)
_BINARY = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable (ELF)"), (b"MZ", "an executable (Windows)"), (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.doc/.xls)"), (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7z archive"), (b"{\\rtf", "an RTF document"), (b"RIFF", "a RIFF media file"),
    (b"ID3", "an MP3 file"), (b"OggS", "an Ogg media file"), (b"\x00\x00\x01\x00", "an icon"),
)


def sniff(data: bytes) -> tuple[str | None, str]:
    """(format name, label): ("pdf" | "docx" | "html" | "text", ...) or (None, what it is)."""
    head = data[:1024]
    if _PDF in head:
        return "pdf", "a PDF"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return None, "a broken zip archive"
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "docx", "a DOCX document"
        if "xl/workbook.xml" in names:
            return None, "a spreadsheet (XLSX)"
        if "ppt/presentation.xml" in names:
            return None, "a presentation (PPTX)"
        return None, "a zip archive"
    for magic, label in _BINARY:
        if head.startswith(magic):
            return None, label
    prefix = head
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            prefix = head[len(bom):].decode(encoding, errors="ignore").encode("utf-8")
            break
    if _HTML.match(prefix):
        return "html", "an HTML page"
    return "text", "text"  # whether it decodes as text is the text format's decision

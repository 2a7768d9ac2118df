"""From a file's bytes to a `Document`: extract (rag/ingest/formats/), repair encoding, pull out
title and date, strip boilerplate lines, and keep page offsets exact.

Every function here is pure except `load_documents`, which reads the documents directory.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.core.config import IngestSettings
from rag.core.types import Document
from rag.ingest.formats import Extracted, Rejected, read, supported_suffixes
from rag.ingest.dates import resolve_date
from rag.ingest.formats.encoding import decode_text
from rag.ingest.sidecar import apply_sidecar, read_sidecar
from rag.text.sentences import split_sentences

_DATE_MARKER = re.compile(r"^\s*date\s+(\d{4}-\d{2})\b[ \t]*", re.IGNORECASE)
# Whole lines that are navigation, comment widgets, syndication tags or credits, not article.
_BOILERPLATE_LINE = re.compile(
    r"""^\s*(?:
        leave\ a\ reply | kommentar(?:e)?\ schreiben | share\ this | teilen
      | source-\d+ | \(bild:[^)]*\) | \((?:foto|image|quelle):[^)]*\)
      | \([a-z]{2,4}\)            # heise-style author initials, e.g. "(axk)"
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# windows-1250 mojibake of UTF-8 ("auĂźer" for "außer"): ftfy's badness heuristic does not
# flag it because both characters are ordinary letters, so repair these pairs explicitly.
_CP1250_MOJIBAKE = re.compile(r"[\u0102\u00c2][\u0080-\u02ff]")
# What the cleaned text depends on (rag.ingest.chunking.chunker_id fingerprints it).
CLEANING_RULES = (_DATE_MARKER.pattern, _BOILERPLATE_LINE.pattern, _CP1250_MOJIBAKE.pattern)


@dataclass
class LoadReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_doc_id(source: str, digest: str) -> str:
    """Stable id: same file name + same content -> same id, on any machine."""
    return hashlib.sha1(f"{source}\0{digest}".encode()).hexdigest()[:16]


def _repair_cp1250(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        pair = match.group(0)
        try:
            repaired = pair.encode("cp1250").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return pair
        return repaired if repaired.isalpha() else pair

    return _CP1250_MOJIBAKE.sub(fix, text)


def repair_text(text: str) -> str:
    """Fix mojibake and odd Unicode (ftfy), then the windows-1250 cases ftfy misses."""
    import ftfy

    text = ftfy.fix_text(text, normalization="NFC")
    return _repair_cp1250(text)


def decode_bytes(data: bytes) -> str | None:
    """Decode text-file bytes; None when empty, binary or in no encoding we can trust."""
    if not data.strip():
        return None
    return decode_text(data)


def _is_headline(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 160 and not re.search(r"[.!?:;,]$", line) and len(line.split()) >= 3


def _normalise(raw: str) -> str:
    return repair_text(raw).replace("\r\n", "\n").replace("\r", "\n")


def _tidy(text: str) -> str:
    lines = [ln.rstrip() for ln in text.split("\n")]
    lines = [ln for ln in lines if not _BOILERPLATE_LINE.match(ln)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_text(raw: str) -> str:
    """Repaired text without boilerplate lines (any format's text, one page of a PDF)."""
    return _tidy(_normalise(raw))


def _headline(text: str) -> str | None:
    first_line = text.split("\n", 1)[0]
    return first_line.strip() if _is_headline(first_line) else None


def clean_article(raw: str) -> tuple[str, str | None, str | None]:
    """Return (clean text, title or None, date "YYYY-MM" or None) for one raw article."""
    text = _normalise(raw)
    date = None
    match = _DATE_MARKER.match(text)
    if match:
        date = match.group(1)
        text = text[match.end():]
    text = _tidy(text)
    return text, _headline(text), date


TITLE_SCAN_CHARS = 600


def _fallback_title(text: str, source: str) -> str:
    # Articles without a headline get their first sentence, shortened, so sources stay readable.
    # Sentences never span lines (rag.text.sentences), so only the start of the first line is
    # split: splitting whole articles here took 2.5 of a 100-article build's 31 s. A first
    # sentence longer than the start is cut to 87 characters all the same.
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    first = next(iter(split_sentences(first_line[:TITLE_SCAN_CHARS])), "").strip()
    if not first:
        return Path(source).stem
    return first if len(first) <= 90 else first[:87].rsplit(" ", 1)[0] + " …"


def _paged_text(parts: tuple[str, ...]) -> tuple[str, tuple[int, ...]]:
    """Pages cleaned one by one and joined by a blank line: (text, start offset of each page).
    Cleaning a page at a time keeps every page's offset exact."""
    text, starts = "", []
    for part in parts:
        cleaned = clean_text(part)
        if cleaned and text:
            text += "\n\n"
        starts.append(len(text))
        text += cleaned
    return text, tuple(starts)


def build_document(source: str, digest: str, extracted: Extracted) -> Document | None:
    """The cleaned Document of what a format extracted; None when no text is left."""
    pages: tuple[int, ...] = ()
    title, date, date_source = extracted.title, extracted.date, extracted.date_source
    if extracted.paged:
        text, pages = _paged_text(extracted.parts)
        guess = _headline(text)
    elif extracted.markers:
        text, guess, marker_date = clean_article("\n\n".join(extracted.parts))
        if date is None and marker_date:
            date, date_source = marker_date, "marker"
    else:
        text = clean_text("\n\n".join(extracted.parts))
        guess = _headline(text)
    if not text:
        return None
    if date is None:  # nothing said by the user, the file or its format: the text's own words
        date, date_source = resolve_date(text=text)
    return Document(
        doc_id=make_doc_id(source, digest),
        source=source,
        title=title or guess or _fallback_title(text, source),
        date=date,
        date_source=date_source if date else None,
        text=text,
        content_hash=digest,
        url=extracted.url,
        pages=pages,
        format=extracted.format,
    )


def read_document(source: str, data: bytes, limits: IngestSettings | None = None,
                  sidecar: bytes | None = None) -> Document | Rejected:
    """One file's Document, or why it cannot be indexed (the warning line's reason).
    `sidecar`: the bytes of its `<file>.meta.json`, if any (see sidecar.py)."""
    extracted = read(source, data, limits or IngestSettings())
    if isinstance(extracted, Rejected):
        return extracted
    if sidecar is not None:
        meta = read_sidecar(sidecar)
        if isinstance(meta, Rejected):
            return meta
        extracted = apply_sidecar(extracted, meta)
    doc = build_document(source, content_hash(data if sidecar is None else data + b"\0" + sidecar), extracted)
    return doc if doc is not None else Rejected("empty: no text left after cleaning")


def parse_document(source: str, data: bytes, limits: IngestSettings | None = None) -> Document | None:
    """Turn one file's bytes into a Document, or None when it holds no usable text."""
    doc = read_document(source, data, limits)
    return doc if isinstance(doc, Document) else None


def list_sources(seeds_dir: Path) -> list[Path]:
    """Files of a supported type under seeds_dir, in a stable order (sub-folders included)."""
    seeds_dir = Path(seeds_dir)
    suffixes = supported_suffixes()
    return sorted(
        p for p in seeds_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
    )


def load_documents(seeds_dir: Path, limits: IngestSettings | None = None) -> LoadReport:
    """Every document under seeds_dir (imported rows included) and the files skipped, with why.
    Nothing is printed: the edges print `skipped`, once."""
    from rag.ingest.sources import scan_seeds  # sources builds on this module

    found, skipped = scan_seeds(Path(seeds_dir), {}, limits=limits)
    return LoadReport(documents=[f.doc for f in found if f.doc is not None], skipped=skipped)

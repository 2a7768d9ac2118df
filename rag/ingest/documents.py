"""Reading articles: decode, repair encoding, pull out title and date, strip web boilerplate.

Every function here is pure except `load_documents`, which reads the seeds directory.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.core.types import Document
from rag.text.sentences import split_sentences

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md")

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
    """Decode file bytes; None when the file is binary or in no encoding we can trust."""
    if not data.strip():
        return None
    if b"\x00" in data[:4096]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Legacy Windows files are common in news dumps; accept only if it is mostly text.
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > max(3, len(text) // 200):
        return None
    return text


def _is_headline(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 160 and not re.search(r"[.!?:;,]$", line) and len(line.split()) >= 3


def clean_article(raw: str) -> tuple[str, str | None, str | None]:
    """Return (clean text, title or None, date "YYYY-MM" or None) for one raw article."""
    text = repair_text(raw).replace("\r\n", "\n").replace("\r", "\n")
    date = None
    match = _DATE_MARKER.match(text)
    if match:
        date = match.group(1)
        text = text[match.end():]
    lines = [ln.rstrip() for ln in text.split("\n")]
    lines = [ln for ln in lines if not _BOILERPLATE_LINE.match(ln)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    first_line = text.split("\n", 1)[0]
    title = first_line.strip() if _is_headline(first_line) else None
    return text, title, date


def _fallback_title(text: str, source: str) -> str:
    # Articles without a headline get their first sentence, shortened, so sources stay readable.
    first = next(iter(split_sentences(text)), "").strip()
    if not first:
        return Path(source).stem
    return first if len(first) <= 90 else first[:87].rsplit(" ", 1)[0] + " …"


def parse_document(source: str, data: bytes) -> Document | None:
    """Turn one file's bytes into a Document, or None when it holds no usable text."""
    raw = decode_bytes(data)
    if raw is None:
        return None
    text, title, date = clean_article(raw)
    if not text:
        return None
    digest = content_hash(data)
    return Document(
        doc_id=make_doc_id(source, digest),
        source=source,
        title=title or _fallback_title(text, source),
        date=date,
        date_source="marker" if date else None,
        text=text,
        content_hash=digest,
    )


def list_sources(seeds_dir: Path) -> list[Path]:
    """Supported files under seeds_dir, in a stable order (sub-folders included)."""
    seeds_dir = Path(seeds_dir)
    return sorted(
        p for p in seeds_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def load_documents(seeds_dir: Path) -> LoadReport:
    """Read every supported file; unusable ones are skipped with a warning naming them."""
    report = LoadReport()
    for path in list_sources(seeds_dir):
        source = path.relative_to(seeds_dir).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.skipped.append((source, f"unreadable: {exc.strerror or exc}"))
            continue
        if not data.strip():
            report.skipped.append((source, "empty file"))
            continue
        doc = parse_document(source, data)
        if doc is None:
            report.skipped.append((source, "binary or undecodable content"))
            continue
        report.documents.append(doc)
    for source, reason in report.skipped:
        log.warning("Skipped %s: %s", source, reason)
    return report

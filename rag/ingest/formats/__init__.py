"""Document formats: bytes in, extracted text and metadata out, one module per format.

Each format registers itself in `FORMATS` (a `rag.core.registry.Registry`, like answer backends
and embedders) with the file suffixes it claims. `read(name, data, limits)` judges the type by
content (magic numbers, `sniff.py`), not by the extension alone, applies the type's size cap
and returns an `Extracted` (text parts, title, date, url) or a `Rejected` whose reason is the
one warning line the user sees. No exception leaves this package for a bad file: a file that
cannot be indexed is an outcome, not an error (a parser library failing on it is one too,
`barrier.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from rag.core.config import IngestSettings
from rag.core.errors import ConfigError
from rag.core.registry import Registry


@dataclass(frozen=True)
class Extracted:
    """What a format found in one file. Offsets are computed later, on the cleaned parts."""

    parts: tuple[str, ...]  # the text; one part per page for a paged format (PDF), else one
    paged: bool = False
    title: str | None = None
    date: str | None = None  # ISO "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    date_source: str | None = None  # see rag.core.types.Document.date_source
    url: str | None = None
    markers: bool = False  # plain text: a leading "date YYYY-MM" line and a headline count
    format: str | None = None  # the format that read it ("text", "pdf", ...; "csv"/"jsonl" for a row), set by `read`


@dataclass(frozen=True)
class Rejected:
    """Why a file is not indexed: "<kind>: <detail>", printed once, naming the file."""

    reason: str


Extractor = Callable[[bytes, IngestSettings], "Extracted | Rejected"]


@dataclass(frozen=True)
class Format:
    name: str  # also the kind `sniff` reports for its content
    label: str  # for messages: "a PDF"
    suffixes: tuple[str, ...]
    cap_setting: str  # the IngestSettings field holding its size cap in MB
    extract: Extractor
    short: str = ""  # for "corrupt <short>: ..." (default: the name in capitals, "PDF")

    @property
    def what(self) -> str:
        return self.short or self.name.upper()


def _load() -> None:
    from rag.ingest.formats import pdf, text, webpage, word  # noqa: F401  (they register themselves)


FORMATS: Registry[Callable[[], Format]] = Registry("document format", ConfigError, load=_load)


def formats() -> list[Format]:
    return [entry.factory() for entry in FORMATS.entries()]


def supported_suffixes() -> tuple[str, ...]:
    """Every suffix some format claims, sorted: (".docx", ".htm", ".html", ".md", ".pdf", ".txt")."""
    return tuple(sorted(s for f in formats() for s in f.suffixes))


def supported_list() -> str:
    return "supported: " + ", ".join(supported_suffixes())


def format_for_suffix(suffix: str) -> Format | None:
    suffix = suffix.lower()
    return next((f for f in formats() if suffix in f.suffixes), None)


def _by_name(name: str) -> Format:
    return FORMATS.get(name).factory()


def max_cap_mb(limits: IngestSettings) -> float:
    """The largest size any format accepts: files above it are not even read."""
    return max(getattr(limits, f.cap_setting) for f in formats())


def too_large(size: int, cap_mb: float, what: str, setting: str) -> Rejected:
    return Rejected(f"too large: {size / 1048576:.1f} MB, over the {cap_mb:g} MB limit for {what} "
                    f"(RAG_INGEST__{setting.upper()})")


def read(name: str, data: bytes, limits: IngestSettings) -> Extracted | Rejected:
    """Extract one file. The suffix must be a supported one; the content then decides the
    format (a PDF saved as .txt is read as a PDF; a PNG saved as .pdf is rejected)."""
    from pathlib import PurePosixPath

    from rag.ingest.formats.barrier import isolate
    from rag.ingest.formats.sniff import sniff

    suffix = PurePosixPath(name).suffix.lower()
    claimed = format_for_suffix(suffix)
    if claimed is None:
        return Rejected(f"unsupported type ({suffix or 'no extension'}); {supported_list()}")
    if not data.strip():
        return Rejected("empty: the file holds no text")
    sniffed = isolate(claimed.what, lambda: sniff(data))
    if isinstance(sniffed, Rejected):
        return sniffed
    kind, label = sniffed
    if kind is None:
        return Rejected(f"unsupported type: the content is {label}, not {claimed.label}; {supported_list()}")
    if claimed.name in ("pdf", "docx") and kind != claimed.name:
        return Rejected(f"unsupported type: the content is {label}, not {claimed.label}; {supported_list()}")
    # A PDF or DOCX under a text suffix is read as what it is; so is a page saved as .txt.
    # Text content keeps its suffix's format: .txt/.md as text, an .html fragment as HTML.
    fmt = _by_name(kind) if kind in ("pdf", "docx", "html") else claimed
    cap = getattr(limits, fmt.cap_setting)
    if len(data) > cap * 1048576:
        return too_large(len(data), cap, f"{fmt.label} file", fmt.cap_setting)
    # The per-file barrier sits here, the one call every reader (seed files, Ray tasks,
    # uploads) makes per file; it takes only what a library raised, so a bug in an extractor of
    # ours still keeps its traceback (barrier.py).
    extracted = isolate(fmt.what, lambda: fmt.extract(data, limits))
    return replace(extracted, format=fmt.name) if isinstance(extracted, Extracted) else extracted

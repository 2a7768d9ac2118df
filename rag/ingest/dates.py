"""A document's publication date and where it comes from (`Document.date_source`).

In order, the first that gives a date wins:
1. "user": a date the user set (front matter or a sidecar file);
2. "marker": a leading `date YYYY-MM` marker (the seed format);
3. "metadata": the HTML page's, PDF's or DOCX's own publication date;
4. "dateline": a full date in the article's opening words ("Wien, 3. Oktober 2024 –");
5. "inferred": the latest past date the text reports ("Anfang Oktober 2024", "im März
   2024", "vergangenen Juni" read against the latest year). It is a lower bound: the
   article cannot be older than what it reports, so it is shown as "≥ 2024-10".
Dates the text announces for the future ("bis 2030", "ab 2027", "soll 2026 ...") and dates
after today never count. The file's mtime is never used: it says when a file was copied.

Hand-written: dateparser/htmldate parse one date string or page; none infers a lower
bound from the dates an article reports, which is what undated news needs.
"""

from __future__ import annotations

import datetime as dt
import re

from rag.text.dates import date_key
from rag.text.lexicon import FUTURE_CUES, MONTH_NUMBERS

DATE_SOURCES = ("user", "marker", "metadata", "dateline", "inferred")

_MONTH = "(" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
_DMY = re.compile(r"\b(\d{1,2})\.\s*" + _MONTH + r"\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_NUMERIC = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})\b")
_ISO = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r"\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_LAST_MONTH = re.compile(r"\b(?:vergangenen|letzten|vorigen|last)\s+" + _MONTH, re.IGNORECASE)
_FUTURE = re.compile(r"\b(" + "|".join(FUTURE_CUES) + r")(\s+[^\s.;:!?]+){0,3}\s+$", re.IGNORECASE)
DATELINE_CHARS = 160  # a dateline stands in the opening words


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    try:
        if day is not None:
            return dt.date(year, month, day).isoformat()
        if month is not None:
            dt.date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        return f"{year:04d}"
    except ValueError:
        return None


def _full_dates(text: str) -> list[tuple[int, str]]:
    """(position, "YYYY-MM-DD") of every full date in `text`."""
    out = []
    for m in _DMY.finditer(text):
        out.append((m.start(), _iso(int(m.group(3)), MONTH_NUMBERS[m.group(2).lower()], int(m.group(1)))))
    for m in _NUMERIC.finditer(text):
        out.append((m.start(), _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    for m in _ISO.finditer(text):
        out.append((m.start(), _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    return [(pos, iso) for pos, iso in out if iso]


def dateline_date(text: str, today: dt.date | None = None) -> str | None:
    """The full date in the article's opening words, if any and not in the future."""
    today = today or dt.date.today()
    found = sorted(_full_dates(text[:DATELINE_CHARS]))
    for _, iso in found:
        if iso <= today.isoformat():
            return iso
    return None


def _reported(text: str, today: dt.date) -> list[str]:
    """Every past date the text reports, at its own precision, future ones left out."""
    out: list[tuple[int, int, str]] = []  # (start, end, iso): a finer date hides its parts
    spans: list[tuple[int, int]] = []

    def add(m: re.Match, iso: str | None) -> None:
        if iso is None or any(s <= m.start() < e for s, e in spans):
            return
        if _FUTURE.search(text[max(0, m.start() - 60):m.start()]) or iso[:len(today.isoformat())] > today.isoformat():
            spans.append((m.start(), m.end()))  # announced for later: neither it nor its parts count
            return
        spans.append((m.start(), m.end()))
        out.append((m.start(), m.end(), iso))

    for m in _DMY.finditer(text):
        add(m, _iso(int(m.group(3)), MONTH_NUMBERS[m.group(2).lower()], int(m.group(1))))
    for m in _NUMERIC.finditer(text):
        add(m, _iso(int(m.group(3)), int(m.group(2)), int(m.group(1))))
    for m in _ISO.finditer(text):
        add(m, _iso(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _MONTH_YEAR.finditer(text):
        add(m, _iso(int(m.group(2)), MONTH_NUMBERS[m.group(1).lower()]))
    for m in _YEAR.finditer(text):
        add(m, _iso(int(m.group(1))))
    dates = [iso for _, _, iso in out]
    # "vergangenen Juni": that month of the latest year reported (a later year is possible,
    # an earlier one is not, so it still bounds the article from below).
    years = [int(d[:4]) for d in dates]
    if years:
        latest_year = max(years)
        for m in _LAST_MONTH.finditer(text):
            iso = _iso(latest_year, MONTH_NUMBERS[m.group(1).lower()])
            if iso and iso <= today.isoformat()[:7]:
                dates.append(iso)
    return dates


def inferred_date(text: str, today: dt.date | None = None) -> str | None:
    """The latest past date the text reports ("not before"), or None."""
    dates = _reported(text, today or dt.date.today())
    return max(dates, key=date_key, default=None)


def resolve_date(*, user: str | None = None, marker: str | None = None, metadata: str | None = None,
                 text: str = "", today: dt.date | None = None) -> tuple[str | None, str | None]:
    """(date, date_source) by the order in the module docstring; (None, None) when nothing
    in or about the document dates it."""
    for source, value in (("user", user), ("marker", marker), ("metadata", metadata)):
        if value:
            return value, source
    line = dateline_date(text, today)
    if line:
        return line, "dateline"
    guess = inferred_date(text, today)
    return (guess, "inferred") if guess else (None, None)

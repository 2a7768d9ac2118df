"""ISO dates of mixed precision ("2024", "2024-10", "2024-10-03") as text: how they compare
and how they are shown."""

from __future__ import annotations


def date_key(date: str | None) -> tuple[str, str, str]:
    """A sort key: "2024" before "2024-01" before "2024-01-15"; no date first of all."""
    d = date or ""
    return d[:4], d[5:7] or "00", d[8:10] or "00"


def display_date(date: str | None, source: str | None) -> str:
    """How a date is shown: an inferred one is a lower bound ("≥ 2024-10")."""
    if not date:
        return ""
    return f"≥ {date}" if source == "inferred" else date

"""ISO dates of mixed precision ("2024", "2024-10", "2024-10-03") as text: how they compare
and how they are shown."""

from __future__ import annotations

import calendar
import re

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
NOT_ISO = "is not YYYY, YYYY-MM or YYYY-MM-DD"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # not calendar.month_name: that follows the locale


def iso_date_problem(value: str) -> str | None:
    """None when `value` is a real date of year, month or day precision ("2024", "2024-02",
    "2024-02-29"); otherwise what is wrong with it, to follow "the date '...'" in a message."""
    match = _ISO.match(value)
    if not match:
        return NOT_ISO
    year, month, day = match.groups()
    if int(year) == 0:
        return "has no year 0000"
    if month is not None and not 1 <= int(month) <= 12:
        return f"has no month {month} (months run from 01 to 12)"
    if day is not None:
        days = calendar.monthrange(int(year), int(month))[1]
        if int(day) == 0:
            return "has no day 00"
        if int(day) > days:
            return f"does not exist: {_MONTHS[int(month) - 1]} {year} has {days} days"
    return None


def date_key(date: str | None) -> tuple[str, str, str]:
    """A sort key: "2024" before "2024-01" before "2024-01-15"; no date first of all."""
    d = date or ""
    return d[:4], d[5:7] or "00", d[8:10] or "00"


def display_date(date: str | None, source: str | None) -> str:
    """How a date is shown: an inferred one is a lower bound ("≥ 2024-10")."""
    if not date:
        return ""
    return f"≥ {date}" if source == "inferred" else date

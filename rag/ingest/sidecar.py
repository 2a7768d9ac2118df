"""A user's metadata for one file: `<file>.meta.json` beside it, e.g.
`{"date": "2025-01", "title": "..."}`. It corrects what the file cannot say about itself
(an undated article, a PDF with a wrong creation date); its date has provenance "user" and
wins over every date found in the file (see dates.py). The sidecar's bytes count towards the
document's hash, so editing it re-indexes the document."""

from __future__ import annotations

import json

from rag.ingest.formats import Extracted, Rejected
from rag.text.dates import iso_date_problem

SIDECAR_SUFFIX = ".meta.json"
FIELDS = ("date", "title")


def read_sidecar(data: bytes) -> dict[str, str] | Rejected:
    """The sidecar's fields, or why it is unusable (the file is then skipped with that reason)."""
    from rag.ingest.formats.barrier import isolate

    # json decodes the bytes itself: JSONDecodeError, UnicodeDecodeError, RecursionError (deep nesting).
    meta = isolate(f"sidecar {SIDECAR_SUFFIX}", lambda: json.loads(data), kind="bad")
    if isinstance(meta, Rejected):
        return meta
    if not isinstance(meta, dict) or set(meta) - set(FIELDS):
        return Rejected(f"bad sidecar {SIDECAR_SUFFIX}: an object with only {', '.join(FIELDS)} expected")
    if "date" in meta:
        problem = iso_date_problem(meta["date"]) if isinstance(meta["date"], str) else "is not a string"
        if problem:
            return Rejected(f"bad sidecar {SIDECAR_SUFFIX}: the date {meta['date']!r} {problem}")
    if "title" in meta and not (isinstance(meta["title"], str) and meta["title"].strip()):
        return Rejected(f"bad sidecar {SIDECAR_SUFFIX}: title must be a non-empty string")
    return {k: v.strip() for k, v in meta.items()}


def apply_sidecar(extracted: Extracted, meta: dict[str, str]) -> Extracted:
    from dataclasses import replace

    updates: dict[str, str] = {}
    if meta.get("date"):
        updates.update(date=meta["date"], date_source="user")
    if meta.get("title"):
        updates["title"] = meta["title"]
    return replace(extracted, **updates)

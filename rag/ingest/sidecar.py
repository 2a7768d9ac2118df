"""A user's metadata for one file: `<file>.meta.json` beside it, e.g.
`{"date": "2025-01", "title": "..."}`. It corrects what the file cannot say about itself
(an undated article, a PDF with a wrong creation date); its date has provenance "user" and
wins over every date found in the file (see dates.py). The sidecar's bytes count towards the
document's hash, so editing it re-indexes the document."""

from __future__ import annotations

import json
import re

from rag.ingest.formats import Extracted, Rejected

SIDECAR_SUFFIX = ".meta.json"
FIELDS = ("date", "title")
_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def read_sidecar(data: bytes) -> dict[str, str] | Rejected:
    """The sidecar's fields, or why it is unusable (the file is then skipped with that reason)."""
    from rag.ingest.formats.barrier import isolate

    # json decodes the bytes itself: JSONDecodeError, UnicodeDecodeError, RecursionError (deep nesting).
    meta = isolate(f"sidecar {SIDECAR_SUFFIX}", lambda: json.loads(data), kind="bad")
    if isinstance(meta, Rejected):
        return meta
    if not isinstance(meta, dict) or set(meta) - set(FIELDS):
        return Rejected(f"bad sidecar {SIDECAR_SUFFIX}: an object with only {', '.join(FIELDS)} expected")
    if "date" in meta and not (isinstance(meta["date"], str) and _ISO.match(meta["date"])):
        return Rejected(f"bad sidecar {SIDECAR_SUFFIX}: date must be YYYY, YYYY-MM or YYYY-MM-DD")
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

"""Search filters as Milvus boolean expressions, so the engine applies them inside the
search (before top-k), as the local store's masks do.

Dates are ISO prefixes ("2024", "2024-06", "2024-06-30") compared at the bound's own
precision (`rag.index.filters.date_in_range`); as strings:
- `date[:len(since)] >= since`, or date a coarser prefix of since, is
  `date >= since or date in [since's shorter ISO prefixes]`;
- `date[:len(until)] <= until` is `date <= until + "~"` ("~" sorts after digits and "-").
An undated chunk ("") fails every date condition.
"""

from __future__ import annotations

from rag.index.filters import SearchFilter

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """A Milvus string literal."""
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in value) + '"'


def _strings(values) -> str:
    return "[" + ", ".join(quote(v) for v in sorted(values)) + "]"


def expression(where: SearchFilter | None) -> str:
    """The expression admitting the rows `where` admits ("" for no filter)."""
    if where is None or where.empty:
        return ""
    parts = []
    if where.sources is not None:
        parts.append(f"source in {_strings(where.sources)}")
    if where.exclude_sources:
        parts.append(f"not (source in {_strings(where.exclude_sources)})")
    if where.since is not None or where.until is not None:
        parts.append('date != ""')
    if where.since is not None:
        prefixes = [where.since[:n] for n in (4, 7) if n < len(where.since)]
        coarser = f" or date in {_strings(prefixes)}" if prefixes else ""
        parts.append(f"(date >= {quote(where.since)}{coarser})")
    if where.until is not None:
        parts.append(f"date <= {quote(where.until + '~')}")
    return " and ".join(parts)


def id_ranges(ranges: list[tuple[int, int]]) -> str:
    """Rows whose id lies in one of the [start, stop) ranges."""
    return " or ".join(f"(id >= {int(a)} and id < {int(b)})" for a, b in ranges)


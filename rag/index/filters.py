"""Search filters: which rows a search may return, applied inside the search (before top-k),
so a filter never leaves fewer than k hits when k matching ones exist. Each store turns a
filter into its own form: a row mask here (`mask`), a boolean expression in Milvus
(`rag.index.milvus.filters`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.core.errors import InputError
from rag.text.dates import iso_date_problem


@dataclass(frozen=True)
class SearchFilter:
    """Rows whose chunk passes every given condition. Dates are ISO prefixes ("2024",
    "2024-06", "2024-06-30"); a date condition excludes undated chunks."""

    since: str | None = None
    until: str | None = None
    sources: frozenset[str] | None = None  # only these documents
    exclude_sources: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return self.since is None and self.until is None and self.sources is None and not self.exclude_sources

    def mask(self, chunks) -> np.ndarray | None:
        """Bool per row of `chunks` (None: no filter)."""
        if self.empty:
            return None
        keep = np.ones(len(chunks), dtype=bool)
        for row, chunk in enumerate(chunks):
            if chunk.source in self.exclude_sources or (self.sources is not None and chunk.source not in self.sources):
                keep[row] = False
            elif self.since is not None or self.until is not None:
                keep[row] = date_in_range(chunk.date, self.since, self.until)
        return keep


def only_sources(where: SearchFilter | None, sources, known) -> SearchFilter:
    """`where` narrowed to the documents `sources`, each of which must be in `known` (the
    index's documents; InputError naming the others)."""
    unknown = sorted(set(sources) - set(known))
    if unknown:
        raise InputError(f"Not in the index: {', '.join(unknown)}. `rag status` / GET /api/documents "
                         "list the documents (a new one needs `rag index` first).")
    return SearchFilter(**{**(where or SearchFilter()).__dict__, "sources": frozenset(sources)})


def date_in_range(date: str | None, since: str | None, until: str | None) -> bool:
    """Is an ISO date prefix within [since, until]? Both bounds are inclusive at their own
    precision: until "2024-06" admits "2024-06-30" and "2024-06", not "2024-07"."""
    if not date:
        return False
    if since is not None and date[:len(since)] < since and not since.startswith(date):
        return False
    if until is not None and date[:len(until)] > until:
        return False
    return True


def date_filter(since: str | None = None, until: str | None = None, as_of: str | None = None) -> SearchFilter | None:
    """The filter for a date range and an as-of date (the earlier of `until` and `as_of`
    bounds it); None when no date is given. A malformed or impossible date ("2024-13",
    "2024-02-30") is an InputError naming it. Every edge's dates pass through here."""
    for param, value in (("since", since), ("until", until), ("as_of", as_of)):
        problem = iso_date_problem(value) if value is not None else None
        if problem:
            raise InputError(f"The {param.replace('_', ' ')} date {value!r} {problem}.", param=param)
    # The stricter bound is the one that ends first: "2024-06" before "2024".
    bound = min((d for d in (until, as_of) if d), key=lambda d: (d + "-12-31"[len(d) - 4:])[:10], default=None)
    if since is None and bound is None:
        return None
    if since is not None and bound is not None and since[:len(bound)] > bound:
        raise InputError(f"The date range is empty: {since} is after {bound}.")
    return SearchFilter(since=since, until=bound)

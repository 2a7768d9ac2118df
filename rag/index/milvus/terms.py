"""BM25 statistics of a Milvus-held index, kept beside its manifest: the live row count,
their total length in terms, and each stem's document frequency.

The engine finds BM25's top n; the scores the fusion weighs and the reader's idf come from
these statistics and the candidates' stored stems, computed exactly as the local store
computes them (`rag.index.local.lexical`, Lucene's idf, k1 1.2, b 0.75) over the whole
index. Asking the engine instead cost, on Milvus Lite at 20,000 rows, 21 s per document
frequency (a TEXT_MATCH count scans every row) and a search over up to 16,384 rows per
question to rebuild exact scores (issue 36); and Lite scores each segment with its own
statistics. An update changes the statistics by its own rows only: new rows are added,
retired rows (their stems read back before they are deleted) subtracted.

On disk: `terms.json`, listed with its size and sha256 in the version's manifest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import orjson

from rag.core.errors import IndexCorruptError
from rag.index.local.lexical import B, K1
from rag.index.manifest import REBUILD_HINT

TERMS_FILE = "terms.json"
FORMAT = 1


@dataclass
class TermStats:
    rows: int = 0
    length: int = 0  # terms over all rows (a row's length is its number of terms)
    df: dict[str, int] = field(default_factory=dict)

    def add(self, rows: Iterable[Sequence[str]], sign: int = 1) -> None:
        """Count rows (each a list of its terms) in (`sign` 1) or out (-1)."""
        counts: Counter[str] = Counter()
        for terms in rows:
            self.rows += sign
            self.length += sign * len(terms)
            counts.update(set(terms))
        for term, n in counts.items():
            value = self.df.get(term, 0) + sign * n
            if value > 0:
                self.df[term] = value
            else:
                self.df.pop(term, None)

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return float(np.log(1.0 + (self.rows - df + 0.5) / (df + 0.5)))

    def scores(self, query_terms: Sequence[str], rows: Sequence[Sequence[str]]) -> np.ndarray:
        """BM25 of each row (its terms) for the query's terms, as `LexicalIndex.scores`
        computes it: per-term weights rounded to float32, summed in query order (a term
        repeated in the query counts again)."""
        out = np.zeros(len(rows), dtype=np.float32)
        if not self.rows or not query_terms:
            return out
        avg = self.length / self.rows if self.length else 1.0
        idf = {t: np.log1p((self.rows - self.df.get(t, 0) + 0.5) / (self.df.get(t, 0) + 0.5)) for t in set(query_terms)}
        for i, terms in enumerate(rows):
            tf = Counter(terms)
            norm = K1 * ((1 - B) + B * len(terms) / avg)
            total = np.float32(0.0)
            for t in query_terms:
                if tf.get(t):
                    total = np.float32(total + np.float32(idf[t] * (tf[t] / (norm + tf[t]))))
            out[i] = total
        return out

    def to_bytes(self) -> bytes:
        return orjson.dumps({"format": FORMAT, "rows": self.rows, "length": self.length, "df": self.df})

    @classmethod
    def read(cls, path: Path) -> "TermStats":
        """The statistics in `path` (checksummed by the caller against the manifest)."""
        try:
            data = orjson.loads(path.read_bytes())
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}")
            return cls(int(data["rows"]), int(data["length"]), {str(k): int(v) for k, v in data["df"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IndexCorruptError(f"The index's term statistics ({path.name}) are unreadable ({exc}). "
                                    f"{REBUILD_HINT}") from None

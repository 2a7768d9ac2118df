"""Indexes for near misses (see nearmiss.py), built beside a set's corpus in the cache.

A near miss must see the corpus as it is, with only its own answer sentences cut. Each
round of `plan_rounds` gets its own documents folder (the corpus's documents plus that
round's variants under `nearmiss/`) and its own index, started as hard links of the
corpus's index (its versions are immutable), so only the variants are embedded, once: a
second run embeds nothing. At question time the search leaves out the near miss's original
documents and the round's other variants (`round_filter_sources`), inside the search.

Why rounds rather than one index with every variant: BM25's and the reader's idf count
every indexed chunk, filtered or not. Twenty variants of one article in one index would
make its words look common (the seeds have five articles and ~70 answerable questions);
with at most one variant per document a round's index differs from the corpus's by at
most one copy of a document.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from rag.assistant import Assistant
from rag.evaluation.nearmiss import VARIANT_DIR, NearMiss, plan_rounds, round_filter_sources
from rag.index.filters import SearchFilter


def _sync_documents(plain: Path, target: Path, variants: dict[str, str]) -> None:
    """Make `target` hold `plain`'s files (copied; they are small: text, sidecars, import
    specs) and exactly `variants` ({name: file text}) under VARIANT_DIR."""
    wanted: dict[Path, Path | str] = {}
    for path in sorted(plain.rglob("*")):
        rel = path.relative_to(plain)
        if path.is_file() and rel.parts[0] != VARIANT_DIR:
            wanted[target / rel] = path
    for name, text in variants.items():
        wanted[target / name] = text
    if target.exists():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() and path not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    for dest, src in wanted.items():
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, str):
            if not dest.exists() or dest.read_text(encoding="utf-8") != src:
                dest.write_text(src, encoding="utf-8")
        elif not dest.exists() or dest.stat().st_size != src.stat().st_size or dest.read_bytes() != src.read_bytes():
            shutil.copy2(src, dest)


def _seed_index(plain: Path, target: Path) -> None:
    """Start `target` as the live version of the index in `plain`, by hard links (copies
    across file systems): a later update then embeds only what differs."""
    current = (plain / "CURRENT").read_text(encoding="utf-8").strip()
    link = os.link
    try:
        (target / "versions").mkdir(parents=True, exist_ok=True)
        probe = target / "versions" / ".link-probe"
        os.link(plain / "CURRENT", probe)
        probe.unlink()
    except OSError:
        link = shutil.copy2
    shutil.copytree(plain / "versions" / current, target / "versions" / current, copy_function=link)
    (target / "CURRENT").write_text(current + "\n", encoding="utf-8")


class KnownTexts:
    """The index embedder of a round: a chunk whose text the corpus's index already holds
    gets the vector stored there (the same model wrote it), so only the chunks a cut
    changed are embedded: XQuAD variants keep ~9 of ~10 chunks' texts."""

    def __init__(self, embedder, known: dict[str, np.ndarray]):
        self._embedder = embedder
        self._known = known
        self.model_id = embedder.model_id
        self.dim = embedder.dim

    @classmethod
    def of_index(cls, embedder, view) -> "KnownTexts":
        """The vectors of every chunk of a local index view, by the text that was embedded."""
        from rag.ingest.chunking import embedding_text

        chunks = list(getattr(view, "chunks", ()))
        if not chunks or not hasattr(view, "vectors_for_rows"):
            return cls(embedder, {})
        vectors = view.vectors_for_rows(list(range(len(chunks))))
        return cls(embedder, {embedding_text(c): v for c, v in zip(chunks, vectors)})

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)

    def encode_documents(self, texts, **kwargs) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        fresh = dict(zip(missing, self._embedder.encode_documents(missing, **kwargs))) if missing else {}
        return np.array([self._known[t] if t in self._known else fresh[t] for t in texts],
                        dtype=np.float32).reshape(len(texts), int(self.dim))


class NearMissRounds:
    """The near misses of one corpus, in rounds, each answered by its own Assistant.

    `base` is the Assistant over the corpus (its documents folder and index, built); the
    rounds' Assistants share its embedders. `work` holds the rounds' folders."""

    def __init__(self, base: Assistant, work: Path, near_misses: list[NearMiss]):
        self.base = base
        self.work = Path(work)
        self.rounds = plan_rounds(near_misses)
        self.round_of = {nm.qid: r for r, members in enumerate(self.rounds) for nm in members}
        self._current: tuple[int, Assistant] | None = None
        self._known: KnownTexts | None = None

    def where(self, nm: NearMiss) -> SearchFilter:
        """The search filter of `nm` in its round."""
        return SearchFilter(exclude_sources=round_filter_sources(nm, self.rounds[self.round_of[nm.qid]]))

    def assistant(self, r: int) -> Assistant:
        """Round `r`'s Assistant, its index brought up to date (the last one is kept)."""
        if self._current is not None and self._current[0] == r:
            return self._current[1]
        paths = self.base.settings.paths
        docs, index = self.work / f"round-{r:03d}" / "docs", self.work / f"round-{r:03d}" / "index"
        variants = {v.name: v.file_text() for nm in self.rounds[r] for v in nm.variants}
        _sync_documents(Path(paths.seeds_dir), docs, variants)
        if not (index / "CURRENT").exists() and self.base.settings.store.backend == "local" and (
                Path(paths.index_dir) / "CURRENT").exists():
            _seed_index(Path(paths.index_dir), index)
        if self._known is None:
            self._known = KnownTexts.of_index(self.base.index_embedder, self.base.index())
        assistant = self.base.for_corpus(docs, index, index_embedder=self._known)
        assistant.rebuild()
        self._current = (r, assistant)
        return assistant

    def __iter__(self) -> Iterator[tuple[Assistant, list[tuple[NearMiss, SearchFilter]]]]:
        """(round's Assistant, [(near miss, its filter)]) for every round, in order."""
        for r, members in enumerate(self.rounds):
            yield self.assistant(r), [(nm, self.where(nm)) for nm in members]

"""The store interface and its registry: where an index's rows live and how they are searched.

A `VectorStore` keeps the rows (chunks, vectors, BM25 statistics) of the index whose
manifest lives in `paths.index_dir`, publishes an `IndexUpdate` from ingest, and opens a
`SearchView` for retrieval. Two are built in, chosen by `store.backend` (`RAG_STORE__BACKEND`,
`--store`):

- `local`: versioned segment directories in the index directory (the default);
- `milvus`: a Milvus collection (Lite file, server or cluster), located by `store.uri`.

A view's rows are named by opaque integer keys (the local store's row numbers, Milvus's
stable chunk ids); retrieval passes them back and never does arithmetic on them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from rag.core.config import IndexSettings, StoreSettings
from rag.core.errors import BackendUnavailableError, ConfigError, IndexCorruptError
from rag.core.registry import Registry
from rag.core.types import Chunk, SentenceVectors
from rag.index.changes import IndexUpdate
from rag.index.filters import SearchFilter
from rag.index.manifest import Manifest

# Written beside manifest.json by stores other than `local`: which store holds the rows.
STORE_FILE = "store.json"


class LexicalQuery(Protocol):
    """BM25 for one query (German terms of `rag.text.terms`) among the rows a filter admits."""

    def top(self, n: int) -> list[tuple[int, float]]:
        """The n best (key, score) with score > 0, best first."""
        ...

    def scores(self, keys: Sequence[int]) -> np.ndarray:
        """The score of each key (0 where no query term occurs)."""
        ...


class SearchView(Protocol):
    """One published version of an index, as retrieval and the reader search it."""

    version: str
    manifest: Manifest

    @property
    def size(self) -> int: ...  # live chunks

    def check_embedder(self, model_id: str, dim: int) -> None: ...

    def search_dense(self, query_vector: np.ndarray, n: int,
                     where: SearchFilter | None = None) -> list[tuple[int, float]]:
        """Top-n (key, cosine) for an L2-normalised query, the filter applied inside the search."""
        ...

    def search_lexical(self, query: str, where: SearchFilter | None = None) -> LexicalQuery: ...

    def cosines(self, keys: Sequence[int], query_vector: np.ndarray) -> np.ndarray: ...

    def chunk(self, key: int) -> Chunk: ...

    def chunks_of(self, keys: Sequence[int]) -> list[Chunk]: ...

    def document_keys(self, id_range: tuple[int, int]) -> list[int]:
        """The keys of a document's chunks (its manifest `id_range`), in text order."""
        ...

    def idf(self, term: str) -> float:
        """BM25's idf of a stemmed term over the live chunks (the reader weighs terms by it)."""
        ...

    def sentence_vectors(self, keys: Sequence[int]) -> list[SentenceVectors | None]:
        """Each key's stored sentences and their vectors (`rag.index.sentences`); None where
        the index has none (built before they were stored)."""
        ...

    def status(self) -> dict[str, Any]: ...


class LiveState(Protocol):
    name: str
    manifest: Manifest


class VectorStore(Protocol):
    """Rows of one index: what an update starts from, how it is published, how it is read."""

    def lock(self) -> AbstractContextManager[None]: ...

    def current_version(self) -> str | None: ...

    def live_manifest(self) -> Manifest:
        """The published version's manifest, checked cheaply (no rows read): what an update
        decides "nothing changed" from before it reads anything else (IndexMissingError /
        IndexCorruptError / IndexMismatchError)."""
        ...

    def live(self) -> LiveState:
        """The published version (IndexMissingError / IndexCorruptError / IndexMismatchError)."""
        ...

    def publish(self, live: Any, update: IndexUpdate, embedded: np.ndarray) -> tuple[str, Manifest]: ...

    def load(self) -> SearchView: ...


STORES: Registry = Registry("vector store", BackendUnavailableError)
MILVUS_INSTALL = "pip install -e '.[milvus]'"


@STORES.register("local", "Versioned segment directories in the index directory (default).")
def _local(settings: StoreSettings, index_dir: Path, index: IndexSettings | None = None) -> VectorStore:
    from rag.index.local.store import LocalStore

    _refuse_foreign(index_dir, "local")
    return LocalStore(index_dir, index)


@STORES.register("milvus", "A Milvus collection: Milvus Lite file, server, cluster or managed.",
                 requires=("pymilvus",), install=MILVUS_INSTALL)
def _milvus(settings: StoreSettings, index_dir: Path, index: IndexSettings | None = None) -> VectorStore:
    # `index` (the local store's exact/HNSW dense search) does not apply: Milvus indexes its
    # collection as `settings.index_type` says.
    from rag.index.milvus.store import MilvusStore

    return MilvusStore(index_dir, settings)


def open_store(settings: StoreSettings, index_dir: Path, index: IndexSettings | None = None) -> VectorStore:
    """The store named by `settings.backend` for the index in `index_dir`; `index`: the local
    store's dense search settings (`IndexSettings`, HNSW for large segments)."""
    return STORES.get(settings.backend).factory(settings, Path(index_dir), index)


def _refuse_foreign(index_dir: Path, backend: str) -> None:
    """An index whose rows another store holds cannot be read or updated as a local one."""
    from rag.index.local.versions import VersionStore

    try:
        name = VersionStore(index_dir).current_name()
    except IndexCorruptError:
        return  # no version to be foreign: reading it fails readably, `rag index` rebuilds
    marker = Path(index_dir) / "versions" / (name or "") / STORE_FILE
    if name and marker.is_file():
        import orjson

        kind = orjson.loads(marker.read_bytes()).get("backend", "another store")
        raise ConfigError(f"The index in {index_dir} keeps its rows in {kind!r}, not in the {backend!r} "
                          f"store. Set RAG_STORE__BACKEND={kind} (or --store {kind}), or build a "
                          f"{backend} index in another directory.")

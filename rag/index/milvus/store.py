"""The Milvus store: an update becomes upserts and deletes, never a full reload.

The manifest (documents, content hashes, id ranges, embedder, chunking) stays in the index
directory, versioned and published atomically like the local store's (`VersionStore`);
beside it, `store.json` says where the rows are (URI without credentials, collection) and
which id ranges the version retired. The rows live in one collection, keyed by stable
chunk id.

An update, under the index directory's lock:
1. repairs what an interrupted update may have left: rows past the manifest's `next_id`
   (written but never published) and the live version's retired ranges (published, not
   yet deleted);
2. upserts the new rows (new and changed documents; renamed ones with their old vectors);
3. publishes the manifest, then deletes the id ranges of removed and changed documents.
A reader that meets rows of step 1's kind skips them (`MilvusView` checks the id ranges).

A full rebuild (new embedder or chunking, `--rebuild`, no index yet) drops and recreates
the collection.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from rag.core.config import StoreSettings
from rag.core.errors import IndexCorruptError
from rag.core.fsio import atomic_write_bytes
from rag.index.changes import IndexUpdate
from rag.index.local.versions import VersionStore
from rag.index.manifest import Manifest
from rag.index.milvus.client import connect, describe, is_lite, resolve_uri
from rag.index.milvus.filters import id_ranges
from rag.index.milvus.schema import create_collection, to_rows
from rag.index.milvus.view import MilvusView
from rag.index.stores import STORE_FILE

STATE_FORMAT = 1
DELETE_RANGES = 200  # id ranges per delete expression: keeps expressions a few KB


@dataclass(frozen=True)
class MilvusLive:
    """The published version an update starts from."""

    name: str
    directory: Path
    manifest: Manifest
    state: dict[str, Any]  # store.json


class MilvusStore:
    """An index whose rows are in a Milvus collection and whose manifest is in `root`."""

    def __init__(self, root: Path, settings: StoreSettings):
        self.root = Path(root)
        self.settings = settings
        self.versions = VersionStore(self.root)
        self.uri = resolve_uri(settings, self.root)
        self.collection = settings.collection
        self.last_writes: dict[str, int] = {}  # rows the last publish upserted and deleted

    def _client(self):
        return connect(self.uri, self.settings.token)

    def lock(self) -> AbstractContextManager[None]:
        return self.versions.lock()

    def current_version(self) -> str | None:
        return self.versions.current_name()

    def live_manifest(self) -> Manifest:
        """The live version's manifest, checked as `live` checks it (its store.json, and that
        the collection exists); no row is read. An update with nothing to do stops here."""
        return self.live().manifest

    def live(self) -> MilvusLive:
        """The live version, if its rows are in the configured collection (IndexCorruptError
        otherwise, so that an update rebuilds)."""
        directory = self.versions.current_dir()
        manifest = self.versions.read_manifest(directory)
        state = self._state(directory, manifest)
        if not self._client().has_collection(self.collection):
            raise IndexCorruptError(f"The Milvus collection {self.collection!r} at {describe(self.uri)} "
                                    "is gone. Rebuild with: rag index --rebuild")
        return MilvusLive(directory.name, directory, manifest, state)

    def _state(self, directory: Path, manifest: Manifest) -> dict[str, Any]:
        entry = manifest.files.get(STORE_FILE)
        if entry is None:
            raise IndexCorruptError(f"The index in {self.root} keeps its rows in the local store, not in "
                                    "Milvus. Build a Milvus index with: rag index --store milvus --rebuild")
        self.versions.verify_files(directory, {STORE_FILE: entry})
        state = orjson.loads((directory / STORE_FILE).read_bytes())
        where = (state.get("uri"), state.get("collection"))
        if where != (describe(self.uri), self.collection):
            raise IndexCorruptError(f"The index in {self.root} was built in Milvus at {where[0]} (collection "
                                    f"{where[1]!r}), not at {describe(self.uri)} ({self.collection!r}). "
                                    "Point RAG_STORE__URI there, or rebuild: rag index --rebuild")
        return state

    def load(self) -> MilvusView:
        """The live version's view; the collection is loaded (Milvus needs it before search)."""
        live = self.live()
        client = self._client()
        client.load_collection(self.collection)
        rows = client.query(self.collection, filter="", output_fields=["count(*)"])[0]["count(*)"]
        if rows < live.manifest.n_chunks:
            raise IndexCorruptError(f"The Milvus collection {self.collection!r} holds {rows} rows, the index "
                                    f"manifest {live.manifest.n_chunks}. Rebuild with: rag index --rebuild")
        return MilvusView(client, self.collection, live.manifest, live.name, self.settings, live.state)

    def publish(self, live: MilvusLive | None, update: IndexUpdate, embedded: np.ndarray) -> tuple[str, Manifest]:
        """Upsert the update's new rows, publish the manifest, delete what it retired."""
        client = self._client()
        writes = {"upserted": 0, "deleted": 0, "repaired": 0}
        dim = int(update.embedder.dim)
        if live is None:
            if client.has_collection(self.collection):
                client.drop_collection(self.collection)
            create_collection(client, self.collection, dim, self.settings, is_lite(self.uri))
        else:
            client.load_collection(self.collection)
            stale = [(int(live.manifest.next_id), 2**62)] + [tuple(r) for r in live.state.get("retired", [])]
            writes["repaired"] = self._delete(client, stale)

        if update.new_chunks:
            vectors = update.vectors(embedded, lambda ids: self._vectors(client, ids, dim))
            rows_per_call = self.settings.write_batch
            for start in range(0, len(update.new_chunks), rows_per_call):
                stop = start + rows_per_call
                rows = to_rows(update.new_ids[start:stop], update.new_chunks[start:stop], vectors[start:stop])
                writes["upserted"] += int(client.upsert(self.collection, rows)["upsert_count"])

        manifest = Manifest(embedder=update.embedder, chunking=update.chunking, documents=update.documents,
                            next_id=update.next_id, scan_started_ns=update.scan_started_ns,
                            n_chunks=update.n_chunks, created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        kept = {d.id_range for d in update.documents.values()}
        retired = sorted({d.id_range for d in live.manifest.documents.values()} - kept) if live else []
        state = {"format": STATE_FORMAT, "backend": "milvus", "uri": describe(self.uri),
                 "collection": self.collection, "index_type": self.settings.index_type, "dim": dim,
                 "retired": [list(r) for r in retired]}
        with self.versions.building() as tmp:
            atomic_write_bytes(tmp / STORE_FILE, orjson.dumps(state))
            name, manifest = self.versions.publish(tmp, manifest)
        writes["deleted"] = self._delete(client, retired)
        self.last_writes = writes
        return name, manifest

    def _delete(self, client, ranges: list[tuple[int, int]]) -> int:
        deleted = 0
        for start in range(0, len(ranges), DELETE_RANGES):
            result = client.delete(self.collection, filter=id_ranges(ranges[start:start + DELETE_RANGES]))
            deleted += _count(result)
        return deleted

    def _vectors(self, client, ids: list[int], dim: int) -> np.ndarray:
        """Stored vectors of chunk ids (renamed documents keep theirs)."""
        found: dict[int, Any] = {}
        for start in range(0, len(ids), 1000):
            for entity in client.get(self.collection, ids=ids[start:start + 1000], output_fields=["vector"]):
                found[int(entity["id"])] = entity["vector"]
        missing = [i for i in ids if i not in found]
        if missing:
            raise IndexCorruptError(f"{len(missing)} vectors are missing from Milvus collection "
                                    f"{self.collection!r}. Rebuild with: rag index --rebuild")
        return np.asarray([found[i] for i in ids], dtype=np.float32).reshape(len(ids), dim)


def _count(result: Any) -> int:
    """Rows a delete removed: pymilvus returns {"delete_count": n} (or the ids)."""
    if isinstance(result, dict):
        return int(result.get("delete_count", 0))
    return len(result)

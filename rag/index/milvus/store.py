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
2. upserts the new rows and their sentence rows (new and changed documents; renamed ones
   with their old vectors);
3. publishes the manifest with the BM25 statistics (`terms.py`: the retired rows' stems
   are read back and subtracted, the new ones added), then deletes the id ranges of removed
   and changed documents;
4. flushes both collections, so that searches run over sealed, indexed segments: Milvus
   Lite searched 20,000 unflushed rows ~45x slower than flushed ones (issue 36).
A reader that meets rows of step 1's kind skips them (`MilvusView` checks the id ranges).

A full rebuild (new embedder or chunking, `--rebuild`, no index yet) drops and recreates
the collections. An index built before sentence vectors and term statistics were stored
is rebuilt by the next `rag index`; until then questions get the command that does it.
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
from rag.index.milvus.schema import (
    SENTENCE_SLOTS,
    create_collection,
    sentence_collection,
    sentence_rows_of,
    sentence_ids,
    to_rows,
)
from rag.index.milvus.terms import TERMS_FILE, TermStats
from rag.index.milvus.view import MilvusView
from rag.index.sentences import SentenceRows
from rag.index.stores import STORE_FILE

STATE_FORMAT = 1
DELETE_RANGES = 200  # id ranges per delete expression: keeps expressions a few KB
GET_BATCH = 1000  # primary keys per get
MAX_CHUNK_ID = 2**51 - 1  # sentence ids (x SENTENCE_SLOTS) stay within INT64


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
        self.sentences = sentence_collection(settings.collection)
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
        if TERMS_FILE not in manifest.files:
            raise IndexCorruptError(f"The Milvus index in {self.root} was built before its term statistics "
                                    "and sentence vectors were stored. Rebuild it with: rag index --rebuild")
        self.versions.verify_files(directory, {TERMS_FILE: manifest.files[TERMS_FILE]})
        client = self._client()
        for name in (self.collection, self.sentences):
            if not client.has_collection(name):
                raise IndexCorruptError(f"The Milvus collection {name!r} at {describe(self.uri)} "
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
        """The live version's view; the collections are loaded (Milvus needs it before search)."""
        live = self.live()
        client = self._client()
        client.load_collection(self.collection)
        client.load_collection(self.sentences)
        rows = client.query(self.collection, filter="", output_fields=["count(*)"])[0]["count(*)"]
        if rows < live.manifest.n_chunks:
            raise IndexCorruptError(f"The Milvus collection {self.collection!r} holds {rows} rows, the index "
                                    f"manifest {live.manifest.n_chunks}. Rebuild with: rag index --rebuild")
        return MilvusView(client, self.collection, live.manifest, live.name, self.settings, live.state,
                          TermStats.read(live.directory / TERMS_FILE))

    def publish(self, live: MilvusLive | None, update: IndexUpdate, embedded: np.ndarray,
                sentences: SentenceRows | None = None) -> tuple[str, Manifest]:
        """Upsert the update's new rows (with `sentences`, the sentence vectors of
        `update.to_embed`), publish the manifest and term statistics, delete what it
        retired, flush."""
        client = self._client()
        writes = {"upserted": 0, "deleted": 0, "repaired": 0, "sentence_rows": 0}
        dim = int(update.embedder.dim)
        sdim = int(update.sentences.dim) if update.sentences is not None else dim
        if live is None:
            for name in (self.collection, self.sentences):
                if client.has_collection(name):
                    client.drop_collection(name)
            create_collection(client, self.collection, dim, self.settings, is_lite(self.uri))
            stats = TermStats()
        else:
            client.load_collection(self.collection)
            client.load_collection(self.sentences)
            stale = [(int(live.manifest.next_id), MAX_CHUNK_ID)] + [tuple(r) for r in live.state.get("retired", [])]
            writes["repaired"] = self._delete(client, stale)
            stats = TermStats.read(live.directory / TERMS_FILE)

        if update.new_chunks:
            vectors = update.vectors(embedded, lambda ids: self._vectors(client, ids, dim))
            fresh = sentences if sentences is not None else SentenceRows.empty(len(update.to_embed), sdim)
            rows_of = update.sentence_rows(fresh, lambda ids: self._sentence_rows(client, ids, sdim))
            for start in range(0, len(update.new_chunks), self.settings.write_batch):
                part = np.arange(start, min(start + self.settings.write_batch, len(update.new_chunks)))
                rows, sentence_rows = to_rows(update.new_ids[start:part[-1] + 1], update.new_chunks[start:part[-1] + 1],
                                              vectors[part], rows_of.take(part))
                writes["upserted"] += int(client.upsert(self.collection, rows)["upsert_count"])
                for at in range(0, len(sentence_rows), self.settings.write_batch):
                    batch = sentence_rows[at:at + self.settings.write_batch]
                    writes["sentence_rows"] += int(client.upsert(self.sentences, batch)["upsert_count"])
                stats.add(row["text_stem"].split() for row in rows)

        manifest = Manifest(embedder=update.embedder, chunking=update.chunking, documents=update.documents,
                            next_id=update.next_id, scan_started_ns=update.scan_started_ns,
                            n_chunks=update.n_chunks, created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                            sentences=update.sentences)
        kept = {d.id_range for d in update.documents.values()}
        retired = sorted({d.id_range for d in live.manifest.documents.values()} - kept) if live else []
        stats.add(self._stems(client, retired), sign=-1)
        state = {"format": STATE_FORMAT, "backend": "milvus", "uri": describe(self.uri),
                 "collection": self.collection, "index_type": self.settings.index_type, "dim": dim,
                 "retired": [list(r) for r in retired]}
        with self.versions.building() as tmp:
            atomic_write_bytes(tmp / STORE_FILE, orjson.dumps(state))
            atomic_write_bytes(tmp / TERMS_FILE, stats.to_bytes())
            name, manifest = self.versions.publish(tmp, manifest)
        writes["deleted"] = self._delete(client, retired)
        for collection in (self.collection, self.sentences):
            client.flush(collection)
        if not writes["sentence_rows"]:
            writes.pop("sentence_rows")
        self.last_writes = writes if any(writes.values()) else {}
        return name, manifest

    def _delete(self, client, ranges: list[tuple[int, int]]) -> int:
        """Delete the chunk rows (and their sentence rows) of id ranges; returns the chunk rows."""
        deleted = 0
        for start in range(0, len(ranges), DELETE_RANGES):
            part = ranges[start:start + DELETE_RANGES]
            deleted += _count(client.delete(self.collection, filter=id_ranges(part)))
            client.delete(self.sentences, filter=id_ranges([(a * SENTENCE_SLOTS, b * SENTENCE_SLOTS) for a, b in part]))
        return deleted

    def _get(self, client, collection: str, ids: list[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), GET_BATCH):
            for entity in client.get(collection, ids=ids[start:start + GET_BATCH], output_fields=fields):
                found[int(entity["id"])] = entity
        return found

    def _stems(self, client, ranges: list[tuple[int, int]]) -> list[list[str]]:
        """The stems of the rows in id ranges (a retired document's, before they are deleted)."""
        ids = [i for a, b in ranges for i in range(a, b)]
        return [e["text_stem"].split() for e in self._get(client, self.collection, ids, ["id", "text_stem"]).values()]

    def _vectors(self, client, ids: list[int], dim: int) -> np.ndarray:
        """Stored vectors of chunk ids (renamed documents keep theirs)."""
        found = self._get(client, self.collection, ids, ["id", "vector"])
        self._require(ids, found, "vectors")
        return np.asarray([found[i]["vector"] for i in ids], dtype=np.float32).reshape(len(ids), dim)

    def _sentence_rows(self, client, ids: list[int], dim: int) -> SentenceRows:
        """Stored sentences of chunk ids (renamed documents keep theirs)."""
        counts = self._get(client, self.collection, ids, ["id", "sentences"])
        self._require(ids, counts, "sentence counts")
        n = [int(counts[i]["sentences"]) for i in ids]
        wanted = [pk for i, c in zip(ids, n) for pk in sentence_ids(i, c)]
        found = self._get(client, self.sentences, wanted, ["id", "vector", "start", "end"])
        self._require(wanted, found, "sentence vectors")
        return sentence_rows_of(n, found, ids, dim)

    def _require(self, ids: list[int], found: dict, what: str) -> None:
        missing = [i for i in ids if i not in found]
        if missing:
            raise IndexCorruptError(f"{len(missing)} {what} are missing from Milvus collection "
                                    f"{self.collection!r}. Rebuild with: rag index --rebuild")


def _count(result: Any) -> int:
    """Rows a delete removed: pymilvus returns {"delete_count": n} (or the ids)."""
    if isinstance(result, dict):
        return int(result.get("delete_count", 0))
    return len(result)

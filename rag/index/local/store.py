"""The local store: the live version for an update to start from, and publishing the next.

An update writes its new rows as one new segment, hard-links the live version's unchanged
segments into the new version (Lucene's design), applies the merge policy, and publishes
atomically (`versions.py`). So adding one article to 10,000 writes O(article) bytes.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag.core.config import IndexSettings
from rag.index.changes import IndexUpdate
from rag.index.local.ann import build_graph, graph_info
from rag.index.local.segments import (
    Segment,
    apply_merge_policy,
    new_segment,
    segment_files,
    sentences_by_id,
    vectors_by_id,
    write_graph,
    write_segment,
)
from rag.index.local.versions import VersionStore
from rag.index.local.view import (
    SEGMENTS_DIR,
    SearchIndex,
    live_mask,
    load_index,
    open_segments,
    remember_segments,
    segment_masks,
)
from rag.index.manifest import FileEntry, Manifest, SegmentEntry
from rag.index.sentences import SentenceRows


@dataclass(frozen=True)
class LiveVersion:
    """The published version an update starts from, its segments verified."""

    name: str
    directory: Path
    manifest: Manifest
    segments: tuple[Segment, ...]


class LocalStore:
    """Versioned directories of immutable segments under `root` (the default store)."""

    def __init__(self, root: Path, settings: IndexSettings | None = None):
        self.root = Path(root)
        self.settings = settings or IndexSettings()
        self.versions = VersionStore(self.root)

    def lock(self) -> AbstractContextManager[None]:
        """Exclusive rebuild lock; a second rebuild fails at once with IndexLockedError."""
        return self.versions.lock()

    def current_version(self) -> str | None:
        return self.versions.current_name()

    def live_manifest(self) -> Manifest:
        """The live version's manifest, its files checked by stat, not read unless their
        stat changed (IndexMissingError when there is none, IndexCorruptError when a file
        is missing or altered)."""
        directory = self.versions.current_dir()
        manifest = self.versions.read_manifest(directory)
        self.versions.check_unchanged(directory, manifest.files)
        return manifest

    def live(self) -> LiveVersion:
        """The live version (IndexMissingError when there is none, IndexCorruptError when a
        file of it fails its checksum)."""
        directory = self.versions.current_dir()
        manifest = self.versions.read_manifest(directory)
        segments, _ = open_segments(self.root, directory, manifest)
        return LiveVersion(directory.name, directory, manifest, tuple(segments))

    def load(self) -> SearchIndex:
        return load_index(self.root, settings=self.settings)

    def publish(self, live: LiveVersion | None, update: IndexUpdate, embedded: np.ndarray,
                sentences: SentenceRows | None = None) -> tuple[str, Manifest]:
        """Publish the next version: the live segments linked, the new rows in one new
        segment (with `sentences`, the sentence vectors of `update.to_embed`), then the
        merge policy. Returns the version's name and manifest."""
        old_segments = list(live.segments) if live else []
        counter = [live.manifest.next_segment if live else 0]

        def new_name() -> str:
            counter[0] += 1
            return f"seg-{counter[0]:06d}"

        segments = list(old_segments)
        if update.new_chunks:
            dim = int(update.embedder.dim)
            vectors = update.vectors(embedded, lambda ids: vectors_by_id(old_segments, ids, dim))
            rows = None
            if update.sentences is not None and sentences is not None:
                sdim = int(update.sentences.dim)
                rows = update.sentence_rows(sentences, lambda ids: sentences_by_id(old_segments, ids, sdim))
            segments.append(new_segment(new_name(), update.new_ids, update.new_chunks, vectors, rows))
        manifest = Manifest(embedder=update.embedder, chunking=update.chunking, documents=update.documents,
                            next_id=update.next_id, scan_started_ns=update.scan_started_ns,
                            created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), sentences=update.sentences)
        segments = apply_merge_policy(segments, segment_masks(segments, live_mask(manifest)), new_name)

        with self.versions.building() as tmp:  # removed if anything fails (a full disk)
            known: dict[str, FileEntry] = {}
            written, ann = [], {}
            for segment in segments:
                dest = tmp / SEGMENTS_DIR / segment.name
                prefix = f"{SEGMENTS_DIR}/{segment.name}/"
                linked = live is not None and any(segment is s for s in live.segments)
                if linked:
                    # Unchanged, from the live version: share its files.
                    source = live.directory / SEGMENTS_DIR / segment.name
                    self.versions.link_files(source, dest, segment_files(source))
                    known.update((rel, meta) for rel, meta in live.manifest.files.items() if rel.startswith(prefix))
                    ann[segment.name] = next((e.ann for e in live.manifest.segments if e.name == segment.name), None)
                if segment.graph is None and segment.rows >= self.settings.ann_min_rows:
                    segment = replace(segment, graph=build_graph(segment.vectors, self.settings))
                    ann[segment.name] = graph_info(segment.graph, segment.vectors, self.settings)
                    if linked:  # a linked segment that lacked a graph (ann_min_rows was lowered)
                        known.update((prefix + f, meta) for f, meta in write_graph(segment.graph, dest).items())
                        written.append(segment)
                if not linked:
                    entries = write_segment(segment, dest)
                    written.append(segment)
                    known.update((prefix + f, meta) for f, meta in entries.items())
            manifest = replace(manifest, next_segment=counter[0], n_chunks=update.n_chunks,
                               segments=tuple(SegmentEntry(s.name, s.rows, ann.get(s.name)) for s in segments))
            name, manifest = self.versions.publish(tmp, manifest, known=known)
        remember_segments(self.root, self.versions.versions / name, manifest, written)
        return name, manifest

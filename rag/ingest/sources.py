"""Which seed files exist, and which of them need parsing: the input side of an update.

Only files whose content hash differs from the manifest's (or that are new) are parsed.
Like git's index, a file whose stat (size, mtime, ctime, inode) equals the one recorded
when it was indexed is not even read: its recorded hash is reused. ctime cannot be set
by tools that preserve mtimes (cp -p, rsync -t), so any rewrite changes the stat. A file
changed within `RACY_NS` of the scan that recorded it is "racily clean" (a second write
in the same timestamp tick would leave its stat equal) and is always re-hashed.
`rag index --rebuild` re-reads everything.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.documents import SUPPORTED_SUFFIXES, content_hash, parse_document
from rag.core.types import Document
from rag.index.manifest import DocumentEntry

log = logging.getLogger("rag.ingest.documents")  # the same logger load_documents warns through


@dataclass
class SeedFile:
    """One seed file: its content hash, and the parsed document unless it is indexed as-is."""

    source: str
    content_hash: str
    doc: Document | None
    stat: tuple[int, ...] | None = None  # (size, mtime_ns, ctime_ns, inode) when read


RACY_NS = 2_000_000_000  # > any file system's timestamp granularity (FAT: 2 s)


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _walk(seeds_dir: Path) -> list[tuple[str, str]]:
    """(relative source, path) of the files `documents.list_sources` lists, in its order,
    via os.scandir: pathlib's rglob/is_file/relative_to cost ~80 us a file, 0.8 s at 10k."""
    out: list[tuple[str, str, str]] = []
    stack = [("", os.fspath(seeds_dir))]
    while stack:
        prefix, directory = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):  # rglob does not descend symlinks
                    stack.append((prefix + entry.name + "/", entry.path))
                elif not entry.name.startswith(".") and entry.name.lower().endswith(SUPPORTED_SUFFIXES) \
                        and entry.is_file():
                    rel = prefix + entry.name
                    # "/" -> "\0" makes plain string order equal path-part order (sorted(Path)'s)
                    # at a fraction of the cost of comparing tuples of parts.
                    out.append((rel.replace("/", "\0"), rel, entry.path))
    out.sort()
    return [(rel, path) for _, rel, path in out]


def scan_seeds(seeds_dir: Path, indexed: dict[str, DocumentEntry], trusted_before_ns: int = 0,
               ) -> tuple[list[SeedFile], list[tuple[str, str]]]:
    """Hash every seed file whose stat is not known clean (see the module docstring);
    parse (ftfy, cleaning) only those not indexed under this name with this content.
    Parsing is deterministic, so an indexed file would parse the same, and parsing ten
    thousand unchanged files would dominate a one-article update. `trusted_before_ns`: the
    start of the scan that recorded the indexed stats (0 trusts none)."""
    sources, skipped = [], []
    for source, path in _walk(seeds_dir):
        meta = indexed.get(source)
        try:
            clean = known_clean(source, path, meta, trusted_before_ns)
        except OSError as exc:
            skipped.append((source, f"unreadable: {exc.strerror or exc}"))
            continue
        result = clean or read_seed(source, path, meta.content_hash if meta else None)
        (skipped if isinstance(result, tuple) else sources).append(result)
    for source, reason in skipped:
        log.warning("Skipped %s: %s", source, reason)
    return sources, skipped


def walk_seeds(seeds_dir: Path) -> list[tuple[str, str]]:
    """(source relative to the seeds directory, path) of every supported file, in order."""
    return _walk(seeds_dir)


def known_clean(source: str, path: str, meta: DocumentEntry | None, trusted_before_ns: int) -> SeedFile | None:
    """The indexed file as-is, without reading it, when its stat says it is unchanged."""
    key = _stat_key(os.stat(path))
    if meta is not None and meta.stat == key and key[2] < trusted_before_ns - RACY_NS:
        return SeedFile(source, meta.content_hash, None, key)
    return None


def read_seed(source: str, path: str, indexed_hash: str | None) -> SeedFile | tuple[str, str]:
    """Read and hash one file; parse it unless its content is `indexed_hash`. A file that
    cannot be used gives (source, reason)."""
    try:
        with open(path, "rb") as fh:
            key = _stat_key(os.fstat(fh.fileno()))
            data = fh.read()
    except OSError as exc:
        return (source, f"unreadable: {exc.strerror or exc}")
    if not data.strip():
        return (source, "empty file")
    digest = content_hash(data)
    if indexed_hash == digest:
        return SeedFile(source, digest, None, key)
    doc = parse_document(source, data)
    if doc is None:
        return (source, "binary or undecodable content")
    return SeedFile(source, digest, doc, key)

"""Which documents exist, and which of them need parsing: the input side of an update.

Only files whose content hash differs from the manifest's (or that are new) are parsed.
Like git's index, a file whose stat (size, mtime, ctime, inode) equals the one recorded
when it was indexed is not even read: its recorded hash is reused. ctime cannot be set
by tools that preserve mtimes (cp -p, rsync -t), so any rewrite changes the stat. A file
changed within `RACY_NS` of the scan that recorded it is "racily clean" (a second write
in the same timestamp tick would leave its stat equal) and is always re-hashed.
`rag index --rebuild` re-reads everything.

An import spec (`*.import.json`, see `imports.py`) stands for the rows of the file it names.
Its rows record the stat of the spec and of that file together: when neither changed, no row
is read; otherwise the file is read and each row's hash decides whether it changed.

Every file (or row) that is not indexed is returned in `skipped` with its reason; nothing is
printed or logged here, so the edges print each warning exactly once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from rag.core.config import IngestSettings
from rag.core.errors import ConfigError
from rag.core.types import Document
from rag.index.manifest import DocumentEntry
from rag.ingest.documents import content_hash, read_document
from rag.ingest.formats import Rejected, format_for_suffix, supported_list, too_large
from rag.ingest.imports import IMPORT_SUFFIX, ImportSpec, expand, read_spec
from rag.ingest.sidecar import SIDECAR_SUFFIX


@dataclass
class SeedFile:
    """One document: its content hash, and the parsed document unless it is indexed as-is."""

    source: str
    content_hash: str
    doc: Document | None
    stat: tuple[int, ...] | None = None  # (size, mtime_ns, ctime_ns, inode) when read; 8 for a row


RACY_NS = 2_000_000_000  # > any file system's timestamp granularity (FAT: 2 s)


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _walk(seeds_dir: Path) -> list[tuple[str, str]]:
    """(relative source, path) of every file that is not hidden, in path order, via
    os.scandir: pathlib's rglob/is_file/relative_to cost ~80 us a file, 0.8 s at 10k."""
    out: list[tuple[str, str, str]] = []
    stack = [("", os.fspath(seeds_dir))]
    while stack:
        prefix, directory = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue  # hidden files, and the atomic writers' temporaries
                if entry.is_dir(follow_symlinks=False):  # rglob does not descend symlinks
                    stack.append((prefix + entry.name + "/", entry.path))
                elif entry.is_file():
                    rel = prefix + entry.name
                    # "/" -> "\0" makes plain string order equal path-part order (sorted(Path)'s)
                    # at a fraction of the cost of comparing tuples of parts.
                    out.append((rel.replace("/", "\0"), rel, entry.path))
    out.sort()
    return [(rel, path) for _, rel, path in out]


@dataclass(frozen=True)
class ReadJob:
    """A file to read, hash and parse (`read_seed`); `indexed_hash` is "" for a new one."""

    source: str
    path: str
    indexed_hash: str


# reader(jobs) -> one result per job, in order: a SeedFile, or (source, reason) when unusable.
Reader = Callable[[list[ReadJob]], list["SeedFile | tuple[str, str]"]]


def read_seed(job: ReadJob, limits: IngestSettings) -> SeedFile | tuple[str, str]:
    """Read and hash one file, with its `.meta.json` sidecar when it has one (its stat is
    part of the key, its bytes part of the hash); parse it unless its content is the indexed
    one. The local and the Ray readers both read through here."""
    try:
        with open(job.path, "rb") as fh:
            key = _stat_key(os.fstat(fh.fileno()))
            data = fh.read()
        sidecar = None
        try:
            with open(job.path + SIDECAR_SUFFIX, "rb") as fh:
                key += _stat_key(os.fstat(fh.fileno()))
                sidecar = fh.read()
        except FileNotFoundError:
            pass
    except OSError as exc:
        return (job.source, f"unreadable: {exc.strerror or exc}")
    digest = content_hash(data if sidecar is None else data + b"\0" + sidecar)
    if job.indexed_hash == digest:
        return SeedFile(job.source, digest, None, key)
    doc = read_document(job.source, data, limits, sidecar)
    if isinstance(doc, Rejected):
        return (job.source, doc.reason)
    return SeedFile(job.source, digest, doc, key)


def _sidecar_stat(path: str) -> tuple[int, ...]:
    """The stat key of the file's `.meta.json`, () when it has none: part of the file's key,
    so editing only the sidecar re-reads the file."""
    try:
        return _stat_key(os.stat(path + SIDECAR_SUFFIX))
    except FileNotFoundError:
        return ()


def file_key(path: str | Path) -> tuple[int, ...]:
    """The stat key recorded for a file in the manifest (its sidecar's included)."""
    return _stat_key(os.stat(path)) + _sidecar_stat(os.fspath(path))


def file_digest(path: str | Path) -> str:
    """The content hash recorded for a file in the manifest (its sidecar's bytes included)."""
    data = Path(path).read_bytes()
    sidecar = Path(os.fspath(path) + SIDECAR_SUFFIX)
    return content_hash(data + b"\0" + sidecar.read_bytes() if sidecar.exists() else data)


class _Scan:
    def __init__(self, indexed: dict[str, DocumentEntry], trusted_before_ns: int, limits: IngestSettings):
        self.indexed, self.trusted, self.limits = indexed, trusted_before_ns, limits
        # In walk order: a document, a file still to read, or (source, reason) not indexed.
        self.items: list[SeedFile | ReadJob | tuple[str, str]] = []

    def clean(self, meta: DocumentEntry | None, key: tuple[int, ...], ctime: int) -> bool:
        return meta is not None and meta.stat == key and ctime < self.trusted - RACY_NS

    def file(self, source: str, path: str) -> None:
        fmt = format_for_suffix(PurePosixPath(source).suffix)
        if fmt is None:
            self.items.append((source, f"unsupported type ({PurePosixPath(source).suffix or 'no extension'}); "
                                         f"{supported_list()}"))
            return
        meta = self.indexed.get(source)
        try:
            key = _stat_key(os.stat(path))
            key += _sidecar_stat(path)
            if self.clean(meta, key, max(key[2::4])):
                self.items.append(SeedFile(source, meta.content_hash, None, key))
                return
            cap = getattr(self.limits, fmt.cap_setting)
            if key[0] > cap * 1048576:  # not even read
                self.items.append((source, too_large(key[0], cap, f"{fmt.label} file", fmt.cap_setting).reason))
                return
        except OSError as exc:
            self.items.append((source, f"unreadable: {exc.strerror or exc}"))
            return
        # Read later, by `scan_seeds`'s reader, in this place of the order.
        self.items.append(ReadJob(source, path, meta.content_hash if meta else ""))

    def spec(self, source: str, path: str, rows_by_spec: dict[str, list[str]], claimed: dict[str, str]) -> None:
        try:
            with open(path, "rb") as fh:
                spec_key = _stat_key(os.fstat(fh.fileno()))
                spec = read_spec(fh.read())
        except OSError as exc:
            self.items.append((source, f"unreadable: {exc.strerror or exc}"))
            return
        if isinstance(spec, Rejected):
            self.items.append((source, spec.reason))
            return
        if spec.name in claimed:
            self.items.append((source, f"unsupported: {claimed[spec.name]} already imports a file named "
                                         f"{spec.name}; rename one of them"))
            return
        claimed[spec.name] = source
        self._rows(source, spec, spec_key, rows_by_spec.get(spec.name, []))

    def _rows(self, source: str, spec: ImportSpec, spec_key: tuple[int, ...], indexed_rows: list[str]) -> None:
        try:
            with open(spec.path, "rb") as fh:
                data_key = _stat_key(os.fstat(fh.fileno()))
                key = data_key + spec_key
                ctime = max(data_key[2], spec_key[2])
                if indexed_rows and all(self.clean(self.indexed[r], key, ctime) for r in indexed_rows):
                    self.items.extend(SeedFile(r, self.indexed[r].content_hash, None, key) for r in indexed_rows)
                    return
                data = fh.read()
        except OSError as exc:
            self.items.append((source, f"unreadable: {spec.path}: {exc.strerror or exc}"))
            return
        rows, skipped = expand(spec, data, self.limits)
        self.items.extend(skipped)
        for row in rows:
            meta = self.indexed.get(row.source)
            unchanged = meta is not None and meta.content_hash == row.content_hash
            self.items.append(SeedFile(row.source, row.content_hash, None if unchanged else row.doc, key))


def scan_seeds(seeds_dir: Path, indexed: dict[str, DocumentEntry], trusted_before_ns: int = 0,
               limits: IngestSettings | None = None,
               reader: Reader | None = None) -> tuple[list[SeedFile], list[tuple[str, str]]]:
    """Hash every document whose stat is not known clean (see the module docstring);
    parse (extraction, cleaning) only those not indexed under this name with this content.
    Parsing is deterministic, so an indexed file would parse the same, and parsing ten
    thousand unchanged files would dominate a one-article update. `trusted_before_ns`: the
    start of the scan that recorded the indexed stats (0 trusts none). `reader` reads the
    files that need it (default: `read_seed` in this process; `rag.ingest.distributed`: on
    Ray). Returns the documents and the (source, reason) of everything not indexed."""
    if not os.path.isdir(seeds_dir):  # else os.scandir's FileNotFoundError, a traceback
        if os.path.exists(seeds_dir):
            raise ConfigError(f"{seeds_dir} is not a folder. Point --seeds (RAG_PATHS__SEEDS_DIR) at your "
                              "documents folder.")
        raise ConfigError(f"The documents folder {seeds_dir} does not exist. Create it, or point --seeds "
                          "(RAG_PATHS__SEEDS_DIR) at your documents.")
    limits = limits or IngestSettings()
    scan = _Scan(indexed, trusted_before_ns, limits)
    rows_by_spec: dict[str, list[str]] = {}
    for src in indexed:
        if "#" in src:
            rows_by_spec.setdefault(src.split("#", 1)[0], []).append(src)
    claimed: dict[str, str] = {}
    for source, path in _walk(seeds_dir):
        if source.endswith(IMPORT_SUFFIX):
            scan.spec(source, path, rows_by_spec, claimed)
        elif source.endswith(SIDECAR_SUFFIX):
            continue  # read with the file it describes
        else:
            scan.file(source, path)
    jobs = [item for item in scan.items if isinstance(item, ReadJob)]
    results = iter(reader(jobs) if reader is not None and jobs else [read_seed(job, limits) for job in jobs])
    found: list[SeedFile] = []
    skipped: list[tuple[str, str]] = []
    for item in scan.items:
        result = next(results) if isinstance(item, ReadJob) else item
        (skipped if isinstance(result, tuple) else found).append(result)
    return found, skipped

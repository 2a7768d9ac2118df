"""Crash-safe, versioned storage for the index directory.

Layout::

    index/
      CURRENT            name of the live version (replaced atomically)
      .lock              held (flock) while a rebuild runs
      versions/<name>/   manifest.json + data files, never modified after publishing

A rebuild writes `versions/.tmp-<name>/`, fsyncs it, renames it into place, then swaps
CURRENT with os.replace. A reader therefore always sees a complete old or complete new
version; a kill -9 at any point leaves at worst an ignored `.tmp-*` directory, removed by the
next rebuild once it holds the lock (one with nothing to do included). A build that fails (a
full disk) removes its own at once, and reports it as `IndexWriteError`. Files a new
version shares with the old one are hard links (`link_files`), not copies: versions stay
self-contained, and deleting an old version frees only what no newer one uses.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator

import orjson

from rag.core.errors import IndexCorruptError, IndexLockedError, IndexMissingError, IndexWriteError
from rag.core.fsio import atomic_write_bytes, atomic_write_text, fsync_path, sha256_file
from rag.index.manifest import REBUILD_HINT, FileEntry, Manifest

MANIFEST = "manifest.json"
# A version's name is one plain path component ("20261207T140902-330a91", see new_version_dir):
# CURRENT holding anything else (binary junk, "../../x", an absolute path) is damage, not a path.
_VERSION_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,127}")
# Write failures the user can fix (what went wrong, what to do); any other OSError is a bug.
_WRITE_FAILURES = {
    errno.ENOSPC: ("the disk is full", "free some space"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or raise the quota"),
    errno.EROFS: ("the file system is read-only", "make it writable"),
    errno.EACCES: ("permission denied", "make the index folder writable"),
    errno.EPERM: ("permission denied", "make the index folder writable"),
}


# Versions are immutable, so each process parses the live manifest once (a 10k-document
# manifest is a few MB of JSON): index root -> (path, file identity, parsed manifest).
_manifests: dict[str, tuple[str, tuple, Manifest]] = {}
_manifests_lock = threading.Lock()


def forget_manifests() -> None:
    with _manifests_lock:
        _manifests.clear()


def _identity(path: Path) -> tuple:
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class VersionStore:
    """The index directory: which version is live, how to publish and lock."""

    def __init__(self, root: Path, keep_versions: int = 2):
        self.root = Path(root)
        self.versions = self.root / "versions"
        self.keep_versions = keep_versions

    # -- reading ------------------------------------------------------------------------
    def current_name(self) -> str | None:
        """The live version's name; None before the first build. IndexCorruptError (with the
        command that rebuilds) when CURRENT does not hold a version name."""
        try:
            raw = (self.root / "CURRENT").read_bytes()
        except FileNotFoundError:
            return None
        name = raw.decode("utf-8", errors="replace").strip()
        if not name:
            return None
        if not _VERSION_NAME.fullmatch(name):
            shown = name if len(name) <= 60 else name[:57] + "..."
            raise IndexCorruptError(f"The index pointer {self.root / 'CURRENT'} is damaged: {shown!r} is not the "
                                    f"name of a version in {self.versions}. {REBUILD_HINT}")
        return name

    def current_dir(self) -> Path:
        name = self.current_name()
        if name is None:
            raise IndexMissingError(
                f"No index found in {self.root}. Build it first with: rag index"
            )
        path = self.versions / name
        if not path.is_dir():
            raise IndexCorruptError(f"The index pointer names a missing version {name!r}. {REBUILD_HINT}")
        return path

    def _remember_manifest(self, path: Path, identity: tuple, manifest: Manifest) -> None:
        with _manifests_lock:
            _manifests[os.path.abspath(self.root)] = (os.path.abspath(path), identity, manifest)

    def read_manifest(self, version_dir: Path) -> Manifest:
        """The version's manifest (immutable, so shared by every reader in the process). The
        files it lists are checked by `verify_files`, segment by segment, when opened."""
        path = version_dir / MANIFEST
        try:
            identity = _identity(path)
            with _manifests_lock:
                cached = _manifests.get(os.path.abspath(self.root))
            if cached is not None and cached[:2] == (os.path.abspath(path), identity):
                manifest = cached[2]
            else:
                manifest = Manifest.from_json(orjson.loads(path.read_bytes()))
                self._remember_manifest(path, identity, manifest)
        except FileNotFoundError:
            raise IndexCorruptError(f"{version_dir} has no manifest. {REBUILD_HINT}") from None
        except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IndexCorruptError(f"The index manifest is unreadable ({exc}). {REBUILD_HINT}") from None
        return manifest

    def check_unchanged(self, version_dir: Path, entries: dict[str, FileEntry]) -> None:
        """Each file is as published: size and stat equal (no reading), or, when its stat
        changed (a copied index directory), its sha256 still matches. IndexCorruptError
        otherwise. The cheap check of an update that finds nothing to do."""
        changed = {}
        for rel, meta in entries.items():
            try:
                st = (version_dir / rel).stat()
            except FileNotFoundError:
                raise IndexCorruptError(f"Index file {rel} is missing. {REBUILD_HINT}") from None
            if st.st_size != meta.size:
                raise IndexCorruptError(f"Index file {rel} is truncated or extended. {REBUILD_HINT}")
            if meta.stat != (st.st_mtime_ns, st.st_ino):
                changed[rel] = meta
        if changed:
            self.verify_files(version_dir, changed)

    def verify_files(self, version_dir: Path, entries: dict[str, FileEntry]) -> None:
        """Check each file's size and sha256 against its manifest entry."""
        def check(item: tuple[str, FileEntry]) -> str | None:
            rel, meta = item
            path = version_dir / rel
            if not path.is_file() or path.stat().st_size != meta.size:
                return f"Index file {rel} is missing or truncated. {REBUILD_HINT}"
            if sha256_file(path) != meta.sha256:
                return f"Index file {rel} is corrupt (checksum mismatch). {REBUILD_HINT}"
            return None

        # Hash files concurrently (hashlib releases the GIL); report the first problem.
        with ThreadPoolExecutor(max_workers=4) as pool:
            problems = [p for p in pool.map(check, sorted(entries.items())) if p]
        if problems:
            raise IndexCorruptError(problems[0])

    # -- writing ------------------------------------------------------------------------
    def new_version_dir(self) -> Path:
        self.versions.mkdir(parents=True, exist_ok=True)
        name = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        path = self.versions / f".tmp-{name}"
        path.mkdir()
        return path

    @contextlib.contextmanager
    def building(self) -> Iterator[Path]:
        """A new temporary version directory to write and `publish`. If anything fails, the
        directory is removed, and a full disk (or a quota, read-only or permission problem)
        becomes an IndexWriteError that says the live version is unchanged."""
        tmp = None
        try:
            tmp = self.new_version_dir()
            yield tmp
        except OSError as exc:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if exc.errno not in _WRITE_FAILURES:
                raise
            what, fix = _WRITE_FAILURES[exc.errno]
            try:
                live = self.current_name()
            except IndexCorruptError:
                live = None
            state = f"The live index is unchanged (version {live})" if live else "There is no index yet"
            raise IndexWriteError(f"Could not write the new index version in {self.root}: {what} "
                                  f"({exc.strerror}). {state}; {fix}, then run: rag index") from None
        except BaseException:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise

    @staticmethod
    def link_files(src_dir: Path, dst_dir: Path, names: Iterable[str]) -> None:
        """Share immutable files with an older version: a hard link costs no copy; file
        systems without hard links get a copy."""
        dst_dir.mkdir(parents=True)
        for name in names:
            try:
                os.link(src_dir / name, dst_dir / name)
            except OSError:
                shutil.copy2(src_dir / name, dst_dir / name)

    def publish(self, tmp_dir: Path, manifest: Manifest,
                known: dict[str, FileEntry] | None = None) -> tuple[str, Manifest]:
        """Checksum, fsync and atomically make `tmp_dir` the live version; returns its name
        and the manifest as written (with its file entries).

        `known` holds entries the writer computed from the very bytes it wrote; their size
        is re-checked, the rest are hashed here."""
        def entry(path: Path) -> tuple[str, FileEntry]:
            rel = path.relative_to(tmp_dir).as_posix()
            st = path.stat()
            meta = (known or {}).get(rel)
            if meta is None or meta.size != st.st_size:
                meta = FileEntry(st.st_size, sha256_file(path))
            # Renaming the version directory into place keeps each file's mtime and inode.
            meta = FileEntry(meta.size, meta.sha256, (st.st_mtime_ns, st.st_ino))
            if st.st_nlink == 1:  # a hard link shares an older version's already-synced data
                fsync_path(path)
            return rel, meta

        paths = sorted(p for p in tmp_dir.rglob("*") if p.is_file() and p != tmp_dir / MANIFEST)
        # sha256 and fsync release the GIL: overlapping them hides most of the disk wait.
        with ThreadPoolExecutor(max_workers=4) as pool:
            files = dict(pool.map(entry, paths))
        manifest = manifest.with_files(files)
        # orjson: the manifest grows with the corpus (3 MB at 10k documents) and is rewritten
        # on every update; json.dumps took ~5x longer, a quarter of a one-article update.
        atomic_write_bytes(tmp_dir / MANIFEST, orjson.dumps(manifest.to_json()))
        for sub in {p.parent for p in tmp_dir.rglob("*")} | {tmp_dir}:
            fsync_path(sub)
        name = tmp_dir.name.removeprefix(".tmp-")
        final = self.versions / name
        os.rename(tmp_dir, final)
        try:
            fsync_path(self.versions)
            atomic_write_text(self.root / "CURRENT", name + "\n")
        except BaseException:
            if self.current_name() != name:  # not live: nothing may still read it
                shutil.rmtree(final, ignore_errors=True)
            raise
        self._remember_manifest(final / MANIFEST, _identity(final / MANIFEST), manifest)
        self._cleanup(keep=name)
        return name, manifest

    def remove_temporaries(self) -> None:
        """Remove what crashed rebuilds left: `.tmp-*` version directories and half-written
        copies of CURRENT. Only with the lock held: then no rebuild is writing them."""
        for tmp in self.versions.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)
        for tmp in self.root.glob(".CURRENT.*.tmp"):
            tmp.unlink(missing_ok=True)

    def _cleanup(self, keep: str) -> None:
        # Keep the newest few versions: a reader that just read the old pointer may still be
        # opening its files.
        names = sorted(p.name for p in self.versions.iterdir() if p.is_dir())
        old = [n for n in names if n != keep][: max(0, len(names) - self.keep_versions)]
        for name in old:
            shutil.rmtree(self.versions / name, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive rebuild lock; a second rebuild fails at once with IndexLockedError."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise IndexLockedError(
                f"Another index rebuild is running (pid {holder}). Wait for it to finish and retry."
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            with contextlib.suppress(OSError):  # the pid only informs a second rebuild; a full disk
                fh.write(str(os.getpid()))    # must fail where it says so (IndexWriteError)
                fh.flush()
            self.remove_temporaries()
            yield
        finally:
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

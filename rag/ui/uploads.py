"""Saving uploaded documents into the seeds directory, safely.

Names are reduced to a safe basename (no directories, no traversal, no hidden files, ASCII
letters, digits, `._-`). The content passes exactly the checks `rag index` applies
(`rag.ingest.documents.read_document`): a supported suffix, the type judged by content, the
type's size cap, the DOCX zip-bomb guard and the PDF page cap, and some text to index.
Nothing is ever overwritten: identical content already in the seeds is reported as a
duplicate and skipped, a name clash gets a `-1`, `-2`… suffix.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rag.core.config import IngestSettings
from rag.ingest.documents import content_hash, list_sources, read_document
from rag.ingest.formats import Rejected

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
MAX_STEM = 80


@dataclass(frozen=True)
class UploadResult:
    original: str  # the name as uploaded (display only; never used as a path)
    status: str  # "saved" | "renamed" | "duplicate" | "rejected"
    name: str | None  # the file name inside seeds_dir, when saved
    message: str


def safe_name(name: str) -> str:
    """A harmless file name from an untrusted one: basename only, safe characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base.translate(_GERMAN)).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip("._-")  # leading dots would hide the file from indexing
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"_{2,}", "_", stem).strip("._-")[:MAX_STEM] or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def _free_name(seeds_dir: Path, name: str) -> str:
    stem, suffix = os.path.splitext(name)
    candidate, i = name, 0
    while (seeds_dir / candidate).exists():
        i += 1
        candidate = f"{stem}-{i}{suffix}"
    return candidate


def _existing_hashes(seeds_dir: Path) -> dict[str, str]:
    hashes = {}
    for path in list_sources(seeds_dir):
        try:
            hashes.setdefault(content_hash(path.read_bytes()), path.relative_to(seeds_dir).as_posix())
        except OSError:
            continue  # an unreadable file cannot be a duplicate we could report
    return hashes


def store_bytes(original: str, data: bytes, seeds_dir: Path, limits: IngestSettings) -> UploadResult:
    """Validate and save one upload; never raises for a bad file, it reports it instead."""
    name = safe_name(original)
    checked = read_document(name, data, limits)
    if isinstance(checked, Rejected):
        return UploadResult(original, "rejected", None, f"{original}: rejected — {checked.reason}")
    seeds_dir = Path(seeds_dir)
    seeds_dir.mkdir(parents=True, exist_ok=True)
    twin = _existing_hashes(seeds_dir).get(content_hash(data))
    if twin:
        return UploadResult(original, "duplicate", None, f"{original}: duplicate of {twin}, skipped")
    for _ in range(100):  # exclusive create: a concurrent upload cannot be overwritten
        final = _free_name(seeds_dir, name)
        try:
            with open(seeds_dir / final, "xb") as fh:
                fh.write(data)
            break
        except FileExistsError:
            continue
    else:
        return UploadResult(original, "rejected", None, f"{original}: rejected — could not find a free file name")
    if final != name or name != original:
        return UploadResult(original, "renamed" if final != name else "saved", final,
                            f"{original}: saved as {final}"
                            + (" (a different file with that name exists)" if final != name else ""))
    return UploadResult(original, "saved", final, f"{original}: saved")


def save_upload(path: str | Path, seeds_dir: Path, limits: IngestSettings, max_mb: float) -> UploadResult:
    """Save a file Gradio received (a temp path whose basename is the uploaded name). `max_mb`
    is checked before reading, so a huge upload never enters memory; `limits` after."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_mb * 1048576:
            return UploadResult(path.name, "rejected", None, f"{path.name}: rejected — too large: "
                                f"{size / 1048576:.1f} MB, over the {max_mb:g} MB upload limit (RAG_UI__MAX_UPLOAD_MB)")
        data = path.read_bytes()
    except OSError as exc:
        return UploadResult(path.name, "rejected", None, f"{path.name}: rejected — unreadable ({exc.strerror})")
    return store_bytes(path.name, data, seeds_dir, limits)

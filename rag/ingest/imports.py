"""Bulk imports: one document per row of a CSV or JSON Lines file, read where it lies.

`rag add --csv FILE ...` does not copy the data: it writes an import spec, a small JSON file
`<documents>/<stem>.import.json` holding the file's absolute path, its format and the column
mapping. Each `rag index` expands the spec into documents named `<file name>#<id>` (the id
column's value, or the 1-based data row number): `test.csv#17` is the 17th row of test.csv.
Whether a row changed is decided by its content hash, so an edited CSV re-embeds only the rows
whose text changed (the stat shortcut that skips unchanged files is in `sources.py`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from rag.core.config import IngestSettings
from rag.core.errors import InputError
from rag.core.fsio import atomic_write_text
from rag.core.types import Document
from rag.ingest.documents import build_document
from rag.ingest.formats import Extracted, Rejected
from rag.ingest.formats.encoding import decode_text
from rag.text.dates import iso_date_problem

IMPORT_SUFFIX = ".import.json"
SPEC_KIND, SPEC_VERSION = "rag-import", 1
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass(frozen=True)
class ImportSpec:
    """Which file to import and how its columns map to a document. Columns are header names
    or 1-based numbers (as strings); JSON Lines fields are names."""

    path: str  # absolute
    format: str  # "csv" | "jsonl"
    text: str
    title: str | None = None
    date: str | None = None
    id: str | None = None
    delimiter: str = ","
    quotechar: str = '"'
    header: bool = True

    def to_json(self) -> str:
        return json.dumps({"kind": SPEC_KIND, "version": SPEC_VERSION, **asdict(self)}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "ImportSpec":
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("kind") != SPEC_KIND or data.get("version") != SPEC_VERSION:
            raise ValueError(f"not a {SPEC_KIND} v{SPEC_VERSION} spec")
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        spec = cls(**fields)  # TypeError when a required field is missing
        spec._check_types()
        return spec

    def _check_types(self) -> None:
        """ValueError naming the first field of the wrong type (a hand-edited spec)."""
        for name in ("path", "format", "text", "title", "date", "id"):
            value = getattr(self, name)
            if not (isinstance(value, str) or (value is None and name in ("title", "date", "id"))):
                raise ValueError(f"{name} must be a string (a column name or 1-based number), not {value!r}")
        for name in ("delimiter", "quotechar"):
            if not (isinstance(getattr(self, name), str) and len(getattr(self, name)) == 1):
                raise ValueError(f"{name} must be one character, not {getattr(self, name)!r}")
        if not isinstance(self.header, bool):
            raise ValueError(f"header must be true or false, not {self.header!r}")

    @property
    def name(self) -> str:
        """The prefix of its rows' sources: the imported file's name."""
        return Path(self.path).name


@dataclass(frozen=True)
class Row:
    source: str
    content_hash: str
    doc: Document


def _column(spec_value: str | None, header: list[str] | None, what: str) -> int | str | None:
    """Index of a CSV column given by name or 1-based number; raises InputError if absent."""
    if spec_value is None:
        return None
    if spec_value.isdigit() and int(spec_value) >= 1:
        return int(spec_value) - 1
    if header is None:
        raise InputError(f"--{what}-col {spec_value!r}: without a header row, give a column number (1, 2, ...)")
    if spec_value not in header:
        raise InputError(f"--{what}-col {spec_value!r} is not a column; the columns are: {', '.join(header)}")
    return header.index(spec_value)


def _records(spec: ImportSpec, text: str) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(1-based data row number, {"text", "title", "date", "id"}) for each row."""
    keys = ("text", "title", "date", "id")
    if spec.format == "jsonl":
        number = 0
        for line in text.splitlines():
            if not line.strip():
                continue
            number += 1
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"line {number} is not JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise InputError(f"line {number} is not a JSON object")
            yield number, {k: _str(obj.get(getattr(spec, k))) if getattr(spec, k) else None for k in keys}
        return
    csv.field_size_limit(max(csv.field_size_limit(), 16 << 20))  # articles exceed the 128 KB default
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=spec.delimiter, quotechar=spec.quotechar)
    header = next(reader, None) if spec.header else None
    cols = {k: _column(getattr(spec, k), header, k) for k in keys}
    for number, row in enumerate(reader, 1):
        yield number, {k: (row[c] if c is not None and c < len(row) else None) for k, c in cols.items()}


def _str(value) -> str | None:
    return None if value is None else str(value)


def iso_date(value: str | None) -> str | None:
    """"2024-10-03T10:00" -> "2024-10-03", "03.10.2024" -> "2024-10-03"; else None."""
    value = (value or "").strip()
    match = _GERMAN_DATE.match(value)
    if match:
        return f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"
    match = _ISO.match(value)
    return "-".join(g for g in match.groups() if g) if match else None


def check_columns(spec: ImportSpec) -> None:
    """Raise InputError when the file is missing or a column does not exist (reads one row)."""
    path = Path(spec.path)
    if not path.is_file():
        raise InputError(f"{spec.path} does not exist or is not a file")
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    text = decode_text(head) or ""
    lines = text.splitlines()[:1] if spec.format == "jsonl" else [text]
    for _number, _record in _records(spec, "\n".join(lines)):
        break


def write_spec(documents_dir: Path, spec: ImportSpec) -> Path:
    """Save the spec as `<documents>/<stem>.import.json` (replacing one for the same file)."""
    check_columns(spec)
    documents_dir = Path(documents_dir)
    documents_dir.mkdir(parents=True, exist_ok=True)
    target = documents_dir / f"{Path(spec.path).stem}{IMPORT_SUFFIX}"
    atomic_write_text(target, spec.to_json() + "\n")
    return target


def read_spec(data: bytes) -> ImportSpec | Rejected:
    try:
        spec = ImportSpec.from_json(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        return Rejected(f"undecodable: not a valid import spec ({exc})")
    if spec.format not in ("csv", "jsonl"):
        return Rejected(f"unsupported type: import format {spec.format!r}; supported: csv, jsonl")
    return spec


def expand(spec: ImportSpec, data: bytes, limits: IngestSettings) -> tuple[list[Row], list[tuple[str, str]]]:
    """The rows of the imported file's bytes as documents, and the rows skipped with why. A
    file a library cannot parse (json's RecursionError on a deeply nested line) is skipped
    whole, as a row that is not JSON is."""
    from rag.ingest.formats.barrier import isolate

    expanded = isolate(spec.format.upper(), lambda: _expand(spec, data))
    if isinstance(expanded, Rejected):
        return [], [(spec.path, expanded.reason)]
    return expanded


def _expand(spec: ImportSpec, data: bytes) -> tuple[list[Row], list[tuple[str, str]]]:
    text = decode_text(data)
    if text is None:
        return [], [(spec.path, "undecodable: binary, or in no text encoding that can be trusted")]
    rows: list[Row] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    try:
        for number, record in _records(spec, text):
            source = f"{spec.name}#{(record['id'] or '').strip() or number}"
            if source in seen:
                skipped.append((source, "duplicate id: an earlier row has the same id"))
                continue
            seen.add(source)
            body = (record["text"] or "").strip()
            if not body:
                skipped.append((source, "empty: the text column is empty"))
                continue
            title = (record["title"] or "").strip() or None
            date = iso_date(record["date"])
            problem = iso_date_problem(date) if date else None
            if problem:
                skipped.append((source, f"bad date: {record['date'].strip()!r} {problem}"))
                continue
            digest = hashlib.sha256(json.dumps([body, title, date], ensure_ascii=False).encode()).hexdigest()
            doc = build_document(source, digest, Extracted(parts=(body,), title=title, date=date,
                                                           date_source="metadata" if date else None,
                                                           markers=True, format=spec.format))
            if doc is None:
                skipped.append((source, "empty: no text left after cleaning"))
                continue
            rows.append(Row(source, digest, doc))
    except (InputError, csv.Error) as exc:
        return [], [(spec.path, f"undecodable: {exc}")]
    return rows, skipped


"""Issue 32, item 1: a corrupt file of any format is skipped with one warning naming it, and
everything beside it is indexed (`rag index`, `POST /api/index`, uploads).

The damaged files are made from real writers' output (tests/writers.py): truncated, bit-flipped,
a part cut or replaced, plus a seeded fuzz of each format. Every result must be a Document or
a Rejected reason, never an exception.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from rag.core.config import IngestSettings
from rag.core.types import Document
from rag.ingest.documents import read_document
from rag.ingest.formats import Rejected
from rag.ingest.formats.barrier import isolate
from rag.ingest.formats.text import split_front_matter
from tests import writers
from tests.conftest import SEEDS

LIMITS = IngestSettings()
DOCX_PARTS = ("word/document.xml", "[Content_Types].xml", "docProps/core.xml", "_rels/.rels")


def rezip(data: bytes, member: str, change) -> bytes:
    """The zip with `member`'s bytes replaced by change(bytes); None drops the member."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                body = change(body)
                if body is None:
                    continue
            dst.writestr(info, body)
    return out.getvalue()


def flip_compressed(data: bytes, member: str = "word/document.xml", count: int = 16) -> bytes:
    """`count` bytes in the middle of `member`'s deflate stream inverted (the zip itself intact)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    header = data[info.header_offset:info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    middle = start + info.compress_size // 2
    out = bytearray(data)
    for i in range(middle, middle + count):
        out[i] ^= 0xFF
    return bytes(out)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random damage: cut, bits flipped, a slice deleted or junk inserted."""
    out = bytearray(data)
    op = rng.randrange(4)
    if op == 0:
        return bytes(out[:rng.randrange(1, len(out))])
    if op == 1:
        for _ in range(rng.randrange(1, 8)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    elif op == 2:
        i = rng.randrange(len(out))
        del out[i:i + rng.randrange(1, 200)]
    else:
        i = rng.randrange(len(out))
        out[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50)))
    return bytes(out)


def corrupt_docx() -> dict[str, bytes]:
    good = writers.make_docx()
    cases = {f"trunc-{re.sub(r'[^a-z]+', '-', part.lower()).strip('-')}.docx":
             rezip(good, part, lambda b: b[:len(b) // 2]) for part in DOCX_PARTS}
    cases["flipped.docx"] = flip_compressed(good)
    cases["garbage-styles.docx"] = rezip(good, "word/styles.xml", lambda b: b"\x00\xff kein XML")
    return cases


def corrupt_pdf() -> dict[str, bytes]:
    good = writers.make_pdf()
    return {
        "truncated.pdf": good[:len(good) // 2],
        # The document opens, its page tree points at objects that do not exist.
        "dangling-pages.pdf": re.sub(rb"/Kids \[[^\]]*\]", b"/Kids [99 0 R 98 0 R]", good),
        "flipped.pdf": bytes(b ^ 0xFF if 200 <= i < 260 else b for i, b in enumerate(good)),
    }


NESTED_FRONT_MATTER = ("---\ntitle: " + "[" * 1000 + "\n---\n"
                       "Die Stadt Kleinhausen baut eine neue Schule. Sie kostet 20 Millionen Euro.\n")


@pytest.mark.parametrize("name", sorted(corrupt_docx()))
def test_each_damaged_docx_is_a_reason_not_a_crash(name):
    result = read_document(name, corrupt_docx()[name], LIMITS)
    assert isinstance(result, Rejected), result
    assert result.reason.startswith("corrupt DOCX: "), result.reason
    assert "(" in result.reason  # the library's message and exception type


@pytest.mark.parametrize("name", sorted(corrupt_pdf()))
def test_each_damaged_pdf_is_a_reason_not_a_crash(name):
    result = read_document(name, corrupt_pdf()[name], LIMITS)
    assert isinstance(result, Rejected), result
    assert result.reason.startswith(("corrupt PDF: ", "undecodable: not a readable PDF")), result.reason


def test_a_front_matter_yaml_cannot_parse_is_text_not_a_crash():
    # PyYAML raised RecursionError on 1000 nested brackets; the block is then ordinary text.
    doc = read_document("schule.md", NESTED_FRONT_MATTER.encode(), LIMITS)
    assert isinstance(doc, Document) and "20 Millionen Euro" in doc.text


@pytest.mark.parametrize("name, make", [
    ("fuzz.docx", writers.make_docx), ("fuzz.pdf", writers.make_pdf),
    ("fuzz.html", lambda: writers.ARTICLE_PAGE.encode()),
    ("fuzz.txt", lambda: writers.UTF16_TEXT.encode("utf-16")),
    ("fuzz.md", lambda: ("---\ntitle: Brauerei\ndate: 2024-05-01\n---\n" + writers.UTF16_TEXT).encode()),
])
def test_fuzzed_files_of_every_format_never_raise(name, make):
    good = make()
    rng = random.Random(name)  # seeded: the same 40 files on every run
    outcomes = set()
    for i in range(40):
        data = mutate(good, rng) if not (name.endswith(".docx") and i % 2) else \
            rezip(good, rng.choice(zipfile.ZipFile(io.BytesIO(good)).namelist()), lambda b: mutate(b, rng))
        result = read_document(name, data, LIMITS)
        assert isinstance(result, (Document, Rejected))
        outcomes.add(type(result))
    assert Rejected in outcomes or name.endswith((".html", ".txt", ".md"))  # text survives most damage


@pytest.mark.parametrize("name, data", [
    ("tief.html", b"<html><body>" + b"<div>" * 100_000 + b"Text" + b"</div>" * 100_000 + b"</body></html>"),
    ("zeichensatz.html", b'<html><head><meta charset="utf-16"></head><body><p>' + "Größe ".encode() * 200
     + b"</p></body></html>"),
    ("kaputt-utf16.txt", writers.UTF16_TEXT.encode("utf-16")[:-1]),  # an odd number of bytes
    ("bom-luege.txt", b"\xef\xbb\xbf" + "Größe außer Maßen".encode("cp1252")),  # a UTF-8 BOM on cp1252
])
def test_html_and_text_with_a_wrong_inner_part_never_raise(name, data):
    assert isinstance(read_document(name, data, LIMITS), (Document, Rejected))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_fuzzed_imports_never_raise(fmt, tmp_path):
    from rag.ingest.imports import ImportSpec, expand

    good = ("id,text\n" + "".join(f'{i},"Zeile {i}: der Hafen schlug {i},7 Millionen Container um."\n'
                                  for i in range(20))).encode() if fmt == "csv" else \
        "".join(json.dumps({"id": i, "text": f"Zeile {i}: der Hafen schlug {i},7 Millionen Container um."},
                           ensure_ascii=False) + "\n" for i in range(20)).encode()
    spec = ImportSpec(str(tmp_path / f"a.{fmt}"), fmt, "text", id="id")
    rng = random.Random(fmt)
    for _ in range(40):
        rows, skipped = expand(spec, mutate(good, rng), LIMITS)
        assert all(isinstance(reason, str) for _, reason in skipped) and len(rows) <= 20


def test_a_library_failure_is_a_reason_and_a_bug_in_our_code_keeps_its_traceback():
    assert isolate("JSON", lambda: json.loads("{")) == \
        Rejected("corrupt JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1) "
                 "(JSONDecodeError)")
    with pytest.raises(TypeError):  # our code handing a library the wrong thing is a bug
        isolate("text", lambda: split_front_matter(None))


# -- imports ---------------------------------------------------------------------------------------
def _spec(folder: Path, data: Path, fmt: str, **fields) -> Path:
    spec = {"kind": "rag-import", "version": 1, "path": str(data), "format": fmt, "text": "text", **fields}
    target = folder / f"{data.stem}.import.json"
    target.write_text(json.dumps(spec), encoding="utf-8")
    return target


def bad_imports(folder: Path, outside: Path) -> set[str]:
    """Import specs and data files that are damaged in each way; returns the names skipped."""
    good_csv = outside / "gut.csv"
    good_csv.write_text("id,text\n1,Der Hafen Hamburg schlug 7,7 Millionen Container um.\n", encoding="utf-8")
    nul = outside / "nul.csv"
    nul.write_bytes(b"id,text\n1,Ein Text\x00 mit NUL.\n")
    _spec(folder, nul, "csv")
    deep = outside / "tief.jsonl"
    deep.write_text('{"text": "Ein Text."}\n' + '{"text": ' + "[" * 100_000 + "\n", encoding="utf-8")
    _spec(folder, deep, "jsonl")
    typed = outside / "typen.csv"
    shutil.copy(good_csv, typed)
    _spec(folder, typed, "csv", text=5)  # a column must be a name or number as a string
    delim = outside / "trenner.csv"
    shutil.copy(good_csv, delim)
    _spec(folder, delim, "csv", delimiter="")
    (folder / "kaputt.import.json").write_bytes(b'{"kind": "rag-import", "version": 1, "path": ')
    return {str(nul), str(deep), "typen.import.json", "trenner.import.json", "kaputt.import.json"}


def test_damaged_imports_are_skipped_and_named(tmp_path):
    from rag.ingest.sources import scan_seeds

    folder, outside = tmp_path / "docs", tmp_path / "data"
    folder.mkdir()
    outside.mkdir()
    (folder / "notiz.txt").write_text("Eine Notiz über das Wetter in Bremen. Es regnet seit Tagen.", encoding="utf-8")
    expected = bad_imports(folder, outside)
    found, skipped = scan_seeds(folder, {}, limits=LIMITS)
    assert [f.source for f in found] == ["notiz.txt"]
    assert sorted(s for s, _ in skipped) == sorted(expected)


# -- through the edges: `rag index` and the HTTP API ------------------------------------------------
def _bad_folder(folder: Path, outside: Path) -> set[str]:
    """A copy of the seeds, a good DOCX, and damaged files of every format beside them."""
    shutil.copytree(SEEDS, folder)
    (folder / "elbe.docx").write_bytes(writers.make_docx())
    bad = {**corrupt_docx(), **corrupt_pdf()}
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    (folder / "tief.md").write_text(NESTED_FRONT_MATTER, encoding="utf-8")  # indexed, see above
    return set(bad) | bad_imports(folder, outside)


def test_rag_index_skips_each_corrupt_file_once_and_indexes_the_rest(tmp_path):
    folder = tmp_path / "docs"
    outside = tmp_path / "data"
    outside.mkdir()
    bad = _bad_folder(folder, outside)
    env = {"RAG_PATHS__SEEDS_DIR": str(folder), "RAG_PATHS__INDEX_DIR": str(tmp_path / "index"),
           "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}
    import os

    result = subprocess.run([sys.executable, "-m", "rag.cli", "index", "--json"], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning: skipped ")]
    named = [ln.removeprefix("warning: skipped ").split(": ", 1)[0] for ln in warnings]
    assert sorted(named) == sorted(bad)  # each exactly once
    assert "Traceback" not in result.stderr
    added = json.loads(result.stdout)["added"]
    assert "elbe.docx" in added and "tief.md" in added and len(added) == 7


@pytest.fixture(scope="module")
def served(seeds_index, serve_app):
    assistant = seeds_index()
    return assistant, serve_app(assistant)


def test_api_index_and_upload_skip_a_corrupt_docx_beside_a_good_one(served):
    assistant, url = served
    seeds = assistant.settings.paths.seeds_dir
    (seeds / "elbe.docx").write_bytes(writers.make_docx())
    (seeds / "kaputt.docx").write_bytes(corrupt_docx()["trunc-word-document-xml.docx"])
    with httpx.Client(base_url=url, timeout=300) as client:
        report = client.post("/api/index")
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["added"] == ["elbe.docx"]
        assert [s for s, _ in body["skipped"]] == ["kaputt.docx"]
        assert body["skipped"][0][1].startswith("corrupt DOCX: ")
        hits = client.post("/api/ask", json={"question": "Wie hoch ist der Pegel der Elbe in Dresden?"}).json()
        assert any(r["source"] == "elbe.docx" for r in hits["retrieved"])
        upload = client.post("/api/documents", files={"files": ("neu.docx", corrupt_docx()["flipped.docx"])})
        assert upload.status_code == 200, upload.text
        (result,) = upload.json()["files"]
        assert result["status"] == "rejected" and "corrupt DOCX" in result["message"]
        assert not (seeds / "neu.docx").exists()

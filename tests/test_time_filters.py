"""Dates in answers and date filters inside retrieval (over the seeds, hashing embedder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.core.errors import InputError
from tests.conftest import REPO

QUESTION = "Ist Microsoft exklusiver Cloud-Anbieter von OpenAI?"


def test_every_seed_passage_carries_a_date_and_its_provenance(hashing_assistant):
    data = hashing_assistant.ask(QUESTION, k=20).to_json()
    assert len({r["source"] for r in data["retrieved"]}) == 5  # every seed is among them
    assert all(r["date"] and r["date_source"] in {"marker", "user", "inferred"} for r in data["retrieved"])


def test_until_keeps_every_later_passage_out_and_still_fills_k(hashing_assistant):
    everything = hashing_assistant.ask(QUESTION, k=20).to_json()["retrieved"]
    assert any(r["date"] >= "2025" for r in everything)  # 003 (2025-01) would be found
    hits = hashing_assistant.ask(QUESTION, k=5, until="2024-06").to_json()["retrieved"]
    # Applied inside the search, before top-k: five passages, none of them from 2025.
    assert len(hits) == 5 and all(r["date"][:7] <= "2024-06" for r in hits)


def test_since_and_as_of(hashing_assistant):
    since = hashing_assistant.ask(QUESTION, k=5, since="2024-06").to_json()["retrieved"]
    assert since and all(r["date"][:7] >= "2024-06" for r in since)
    as_of = hashing_assistant.ask(QUESTION, k=5, as_of="2023-06").to_json()["retrieved"]
    assert as_of and all(r["date"][:7] <= "2023-06" for r in as_of)
    with pytest.raises(InputError, match="empty"):
        hashing_assistant.ask(QUESTION, since="2025", until="2024")


def test_cli_until(hashing_assistant):
    p = hashing_assistant.settings.paths
    env = {**os.environ, "RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
           "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}
    result = subprocess.run([sys.executable, "-m", "rag.cli", "ask", QUESTION, "--json", "--until", "2024-06"],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    retrieved = json.loads(result.stdout)["retrieved"]
    assert retrieved and all(r["date"][:7] <= "2024-06" for r in retrieved)


# Issue 32, item 6: impossible dates filtered as strings and the answer was silently refused.
IMPOSSIBLE = [
    ("2024-13", "has no month 13 (months run from 01 to 12)"),
    ("2024-00", "has no month 00 (months run from 01 to 12)"),
    ("2024-02-30", "does not exist: February 2024 has 29 days"),
    ("2023-02-29", "does not exist: February 2023 has 28 days"),
    ("2024-04-31", "does not exist: April 2024 has 30 days"),
    ("2024-06-00", "has no day 00"),
    ("2024-13-45", "has no month 13 (months run from 01 to 12)"),
    ("0000", "has no year 0000"),
]


@pytest.mark.parametrize("value, problem", IMPOSSIBLE)
@pytest.mark.parametrize("which", ["since", "until", "as_of"])
def test_impossible_dates_are_input_errors_naming_the_problem(value, problem, which):
    from rag.index.filters import date_filter

    with pytest.raises(InputError) as caught:
        date_filter(**{which: value})
    assert str(caught.value) == f"The {which.replace('_', ' ')} date {value!r} {problem}."
    assert date_filter(**{which: "2024-02-29"}) is not None  # a leap day exists


def test_cli_names_the_impossible_date(hashing_assistant):
    p = hashing_assistant.settings.paths
    env = {**os.environ, "RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
           "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}
    for flag, value, problem in [("--until", "2024-13", "has no month 13"),
                                 ("--since", "2024-02-30", "February 2024 has 29 days"),
                                 ("--as-of", "2024-13-45", "has no month 13")]:
        result = subprocess.run([sys.executable, "-m", "rag.cli", "ask", QUESTION, flag, value],
                                capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith("error: The ") and problem in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_impossible_dates_a_user_writes_into_a_document_are_named(tmp_path):
    from rag.ingest.documents import read_document
    from rag.ingest.formats import Rejected

    text = b"Die Stadt Kleinhausen baut eine neue Schule. Sie kostet 20 Millionen Euro.\n"
    sidecar = read_document("schule.txt", text, sidecar=b'{"date": "2024-02-30"}')
    assert isinstance(sidecar, Rejected)
    assert sidecar.reason == "bad sidecar .meta.json: the date '2024-02-30' does not exist: February 2024 has 29 days"
    front = read_document("schule.md", b"---\ndate: 2024-13-45\n---\n" + text)
    assert isinstance(front, Rejected)
    assert front.reason == "bad front matter: the date '2024-13-45' has no month 13 (months run from 01 to 12)"


def test_an_imported_row_with_an_impossible_date_is_skipped_and_named(tmp_path):
    from rag.core.config import IngestSettings
    from rag.ingest.imports import ImportSpec, expand

    data = ("id;datum;text\n1;03.10.2024;Der Hafen schlug 7,7 Millionen Container um.\n"
            "2;45.13.2024;Die Brücke wird seit 2018 saniert.\n").encode()
    spec = ImportSpec(str(tmp_path / "a.csv"), "csv", "text", date="datum", id="id", delimiter=";")
    rows, skipped = expand(spec, data, IngestSettings())
    assert [r.source for r in rows] == ["a.csv#1"] and rows[0].doc.date == "2024-10-03"
    assert skipped == [("a.csv#2", "bad date: '45.13.2024' has no month 13 (months run from 01 to 12)")]

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

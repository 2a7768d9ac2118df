"""The CLI's JSON contract and its handling of bad input (hashing embedder, no model needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.cli import main

CONTRACT = {"question", "answer", "refused", "citations", "retrieved", "timings_ms"}
CITATION = {"n", "source", "title", "date", "chunk_id", "start", "end", "text"}
RETRIEVED = {"chunk_id", "source", "start", "end", "score", "text"}


@pytest.fixture
def cli_env(hashing_settings, monkeypatch):
    """Point the CLI at the temp seeds/index through RAG_* variables, as a user would."""
    p = hashing_settings.paths
    env = {"RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
           "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **env}


def _run(args, env, stdin=None):
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_index_then_ask_json_contract(cli_env, hashing_settings, capsys):
    assert main(["index", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {"added", "changed", "removed", "unchanged", "duplicates"}
    assert len(summary["added"]) == 5

    assert main(["ask", "Microsoft Anteil 49 Prozent OpenAI", "--json", "--k", "4"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert CONTRACT <= set(data)
    assert set(data["timings_ms"]) >= {"retrieve", "generate", "total"}
    assert len(data["retrieved"]) == 4 and all(RETRIEVED <= set(r) for r in data["retrieved"])
    assert [r["score"] for r in data["retrieved"]] == sorted((r["score"] for r in data["retrieved"]), reverse=True)
    if not data["refused"]:
        assert data["citations"]
    for c in data["citations"]:
        assert CITATION <= set(c)
        doc = (hashing_settings.paths.seeds_dir / c["source"]).exists()
        assert doc, "source must be a file name in seeds/"
    # Offsets point into the cleaned document text.
    from rag.ingest.documents import load_documents
    docs = {d.source: d for d in load_documents(hashing_settings.paths.seeds_dir).documents}
    for r in data["retrieved"]:
        assert docs[r["source"]].text[r["start"]:r["end"]] == r["text"]
    for c in data["citations"]:
        assert docs[c["source"]].text[c["start"]:c["end"]] == c["text"]


def test_batch_json_from_stdin_answers_every_line(cli_env):
    assert _run(["index"], cli_env).returncode == 0
    result = _run(["ask", "--json", "-"], cli_env, stdin="Microsoft Azure Cloud\n\nStargate Oracle\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == ["Microsoft Azure Cloud", "Stargate Oracle"]
    assert all(CONTRACT <= set(d) for d in lines)


def test_missing_index_says_run_rag_index_without_traceback(cli_env):
    result = _run(["ask", "Was ist los?"], cli_env)
    assert result.returncode == 2
    assert "rag index" in result.stderr and "Traceback" not in result.stderr


def test_empty_question_is_rejected(cli_env, capsys):
    main(["index"])
    capsys.readouterr()
    assert main(["ask", "   "]) == 2
    assert "Please enter a question" in capsys.readouterr().err


def test_overlong_question_is_truncated_and_the_user_told(cli_env, capsys):
    main(["index"])
    capsys.readouterr()
    question = "Wie viel investierte Microsoft? " + "x" * 2500
    assert main(["ask", question, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any("truncated" in n and "2000" in n for n in data["notices"])


def test_unknown_backend_lists_available(cli_env, capsys):
    main(["index"])
    capsys.readouterr()
    assert main(["ask", "Frage?", "--llm", "nope"]) == 2
    err = capsys.readouterr().err
    assert "Unknown LLM backend 'nope'" in err and "extractive" in err and "fake" in err


def test_status_reads_as_text_and_as_json_on_request(cli_env, hashing_assistant, capsys):
    # Issue 32, item 11: `rag status` printed raw JSON only.
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["documents"] == 5 and data["chunks"] > 0
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert not text.lstrip().startswith("{")
    lines = text.splitlines()
    assert lines[0] == f"Index version {data['version']}, built {data['built_at']}"
    assert f"  documents  5" in lines
    assert f"  chunks     {data['chunks']} in {data['segments']} segment" + ("s" if data["segments"] > 1 else "") \
        + ", exact dense search" in lines
    assert f"  embedder   {data['embedder']} ({data['dim']} dimensions)" in lines
    chunking = data["chunking"]
    assert (f"  chunking   {chunking['chunk_size']} characters, {chunking['chunk_overlap']} overlapping "
            f"({chunking['chunker']})") in lines


def test_a_missing_documents_folder_is_named_without_traceback(cli_env, tmp_path):
    # Issue 32, item 7: `rag index --seeds /nope` printed a FileNotFoundError traceback.
    missing = tmp_path / "nope"
    result = _run(["index", "--seeds", str(missing)], cli_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (f"error: The documents folder {missing} does not exist. Create it, or point "
                             "--seeds (RAG_PATHS__SEEDS_DIR) at your documents.\n")
    (tmp_path / "datei").write_text("kein Ordner")
    result = _run(["index", "--seeds", str(tmp_path / "datei")], cli_env)
    assert result.returncode == 2 and f"{tmp_path / 'datei'} is not a folder" in result.stderr


def test_bad_setting_is_a_clean_error(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("RAG_RETRIEVAL__K", "0")
    assert main(["status"]) == 2
    assert "retrieval.k" in capsys.readouterr().err


def test_skipped_files_are_named_on_stderr(cli_env, hashing_settings):
    (hashing_settings.paths.seeds_dir / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = _run(["index"], cli_env)
    assert result.returncode == 0
    assert "skipped broken.txt" in result.stderr


def test_eval_with_oracle_passages(cli_env, tmp_path, capsys):
    """--passages oracle hands each answerable question the chunk that holds its gold answer."""
    assert main(["index"]) == 0
    assert main(["eval", "--passages", "oracle", "--limit", "12", "--out", str(tmp_path)]) == 0
    assert "Passages: oracle" in capsys.readouterr().out
    report = json.loads(next(tmp_path.glob("*-oracle/report.json")).read_text(encoding="utf-8"))
    assert report["meta"]["passages"] == "oracle" and report["meta"]["oracle_missing"] == []
    for row in report["per_question"]:
        # The passages given were chosen from the gold sources only.
        assert row["retrieved_sources"] and set(row["retrieved_sources"]) <= set(row["gold_sources"])


def test_a_plain_answer_says_its_confidence(cli_env, capsys):
    assert main(["index"]) == 0
    capsys.readouterr()
    assert main(["ask", "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"]) == 0
    err = capsys.readouterr().err
    assert "confidence 0." in err or "confidence 1.00" in err

"""`rag chat` driven through stdin as a real process, and `rag ask --source` (hashing embedder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.cli import main


@pytest.fixture
def cli_env(hashing_assistant, monkeypatch):
    """The CLI pointed at an indexed copy of the seeds through RAG_* variables, as a user would."""
    p = hashing_assistant.settings.paths
    env = {"RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
           "RAG_PATHS__DATA_DIR": str(p.data_dir), "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **env}


def chat(env, lines: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", "chat", *args], env=env, input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=300)


def test_chat_resolves_follow_ups_saves_and_resumes(cli_env, hashing_assistant):
    run = chat(cli_env, ["Wie viel Geld soll in Stargate fließen?", "Und wer ist dabei?", "/history",
                         "/new", "Wer leitet Microsoft AI?", "/quit"])
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "(searched: Wer ist bei Stargate?)" in out
    assert out.count("Sources:") == 3 and "Traceback" not in run.stderr
    assert "New conversation." in out
    saved = hashing_assistant.conversations.list("local")
    assert [(c.title, c.turns) for c in saved] == [("Wer leitet Microsoft AI?", 1),
                                                   ("Wie viel Geld soll in Stargate fließen?", 2)]
    # /history listed the first conversation while it was the only one.
    assert f"{saved[1].id[:8]}" in out.split("New conversation.")[0]
    assert f"rag chat --resume {saved[0].id[:8]}" in out

    # Resume the first by its id's first characters: the next follow-up builds on its last turn.
    again = chat(cli_env, ["Wann war das?"], "--resume", saved[1].id[:6])
    assert again.returncode == 0, again.stderr
    assert "Continuing “Wie viel Geld soll in Stargate fließen?” (2 turns)" in again.stdout
    assert "(searched: Wann" in again.stdout
    assert hashing_assistant.conversations.get(saved[1].id, "local").turns[-1].question == "Wann war das?"


def test_chat_reports_bad_input_and_goes_on(cli_env):
    run = chat(cli_env, ["/open zzz", "/frobnicate", "Wer leitet Microsoft AI?"])
    assert run.returncode == 2  # a command failed, the conversation went on
    assert "No saved conversation starts with 'zzz'" in run.stderr
    assert "Unknown command /frobnicate" in run.stdout and "Sources:" in run.stdout


def test_ask_only_the_given_sources(cli_env, capsys):
    only = ["004_878f3f8685ed7ceb.txt", "000_0d2b54194bb49e3b.txt"]
    assert main(["ask", "Wer ist an Stargate beteiligt?", "--json", "--k", "5",
                 "--source", only[0], "--source", only[1]]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["retrieved"] and {r["source"] for r in data["retrieved"]} <= set(only)
    assert main(["ask", "Wer ist an Stargate beteiligt?", "--source", "nope.txt"]) == 2
    assert "Not in the index: nope.txt" in capsys.readouterr().err


def test_sources_filter_inside_the_search_of_both_stores(hashing_assistant):
    """The filter is applied inside the search: k hits from the named documents, not the
    top k filtered afterwards (the local store here; Milvus in tests/test_milvus_store.py)."""
    answer = hashing_assistant.ask("Microsoft OpenAI Partnerschaft", k=4, sources=["001_06e8ede0839f87ad.txt"])
    assert len(answer.hits) == 4 and {h.chunk.source for h in answer.hits} == {"001_06e8ede0839f87ad.txt"}

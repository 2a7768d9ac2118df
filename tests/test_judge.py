"""The local model as an answerability judge (rag/backends/judge.py), on the real GGUF model."""

from __future__ import annotations

import json

import pytest


@pytest.mark.llm
def test_the_local_judge_says_yes_to_an_answer_and_no_to_a_near_miss():
    pytest.importorskip("llama_cpp")
    from rag.backends.judge import local_judge
    from rag.core.config import load_settings

    settings = load_settings()
    if not (settings.paths.models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").is_file():
        pytest.skip("the local model is not installed: rag models install qwen-1.5b")
    judge = local_judge(settings.llm, settings.paths.models_dir)
    question = "Wie viele Passagiere waren an Bord?"
    answer = judge(question, ["An Bord waren 155 Passagiere."])
    near_miss = judge(question, ["Der Airbus hatte 2005 seinen Erstflug."])
    assert answer > 0 > near_miss  # measured 5.3 and -2.2
    # The prompt's head stays cached: asking again gives the same verdict.
    assert judge(question, ["An Bord waren 155 Passagiere."]) == pytest.approx(answer, abs=1e-3)


def test_the_shipped_parameter_file_has_a_judged_answerability():
    """reader.judge=local reads `answerability_judged` (with the verdict as its last input)
    and its own threshold from the default file, which records how to fit it again."""
    from rag.answer.reader.extractive import ExtractiveReader
    from rag.answer.reader.model import JUDGED_FEATURES, PARAMS, load_model
    from rag.core.config import load_settings

    model = load_model(PARAMS)
    assert model.judged is not None
    assert json.loads(PARAMS.read_text(encoding="utf-8"))["answerability_judged"]["features"] == list(JUDGED_FEATURES)
    assert 0.0 < model.judged_threshold < 1.0
    assert "--judge-scores" in model.meta["command"] and "--answerability keep" in model.meta["command"]
    reader = ExtractiveReader(load_settings(reader={"judge": "local"}).reader, model=model)
    assert reader.judged and reader.threshold == model.judged_threshold
    plain = ExtractiveReader(load_settings().reader, model=model)
    assert not plain.judged and plain.threshold == model.threshold


@pytest.mark.llm
def test_reader_judge_local_answers_end_to_end(real_assistant):
    """The default configuration (e5, hybrid, extractive) over the seeds with
    reader.judge=local: the real local model's verdict decides, through the shipped file."""
    pytest.importorskip("llama_cpp")
    from rag.assistant import Assistant

    settings = real_assistant.settings
    if not (settings.paths.models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").is_file():
        pytest.skip("the local model is not installed: rag models install qwen-1.5b")
    judged = Assistant(settings.model_copy(update={"reader": settings.reader.model_copy(update={"judge": "local"})}))
    question = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
    answer = judged.ask(question)
    assert not answer.refused and answer.citations and "49 Prozent" in answer.text
    assert judged._judge is not None  # loaded on first use: the judge was asked
    # The judged answerability, not the default one, made the confidence.
    assert answer.confidence != pytest.approx(real_assistant.ask(question).confidence, abs=1e-6)

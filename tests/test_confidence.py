"""Every answer carries the reader's confidence (its answerability probability), for every
backend and for refusals too; the extractive answer is given exactly when it reaches the
reader's threshold."""

from __future__ import annotations

import pytest

from rag.answer.analysis import analyze_question
from rag.api.schemas import AnswerOut
from rag.assistant import Assistant
from rag.core.config import load_settings
from rag.core.types import Answer

ANSWERABLE = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
OFF_TOPIC = "Wie viele Tore schoss der Torwart im Pokalfinale gegen Bayern?"


def _assistant(hashing_settings, backend: str) -> Assistant:
    settings = load_settings(**{**hashing_settings.model_dump(), "llm": {"backend": backend}})
    assistant = Assistant(settings)
    assistant.rebuild()
    return assistant


@pytest.mark.parametrize("backend", ["extractive", "fake"])
def test_every_backend_reports_the_readers_confidence(hashing_settings, backend):
    assistant = _assistant(hashing_settings, backend)
    for question in (ANSWERABLE, OFF_TOPIC):
        answer = assistant.ask(question)
        hits = assistant.search(question)
        expected = assistant.reader.confidence(analyze_question(question), hits)
        assert answer.confidence == pytest.approx(expected)
        assert 0.0 <= answer.confidence <= 1.0
        data = answer.to_json()
        assert data["confidence"] == pytest.approx(expected, abs=1e-6)
        AnswerOut(**data)  # the API's schema accepts it


def test_the_extractive_answer_is_given_exactly_at_the_threshold(hashing_settings):
    assistant = _assistant(hashing_settings, "extractive")
    answered = assistant.ask(ANSWERABLE)
    refused = assistant.ask(OFF_TOPIC)
    threshold = assistant.reader.threshold
    assert not answered.refused and answered.confidence >= threshold
    assert refused.refused and refused.confidence < threshold  # a refusal has a confidence too


def test_a_refusal_from_the_gate_keeps_its_confidence(hashing_settings):
    settings = load_settings(**{**hashing_settings.model_dump(),
                                "llm": {"backend": "fake", "extractive_gate": True}})
    assistant = Assistant(settings)
    assistant.rebuild()
    refused = assistant.ask(OFF_TOPIC)
    assert refused.refused and refused.confidence is not None
    assert refused.confidence < assistant.reader.threshold


def test_an_answer_built_without_a_reader_says_none():
    answer = Answer(question="q", text="t", refused=True, citations=(), hits=())
    assert answer.to_json()["confidence"] is None

"""The real app (e5 embedder, extractive backend) on a local port, driven by gradio_client."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
EXPECTED_SOURCES = {"000_0d2b54194bb49e3b.txt", "002_6df6d283adceccb0.txt"}


@pytest.fixture(scope="module")
def served(real_assistant, serve_app):
    # `rag serve`'s app: the UI mounted beside the HTTP API, with the UI's login.
    return serve_app(real_assistant, ui_auth="tester:secret") + "/"


def test_api_endpoint_answers_with_citations(served):
    from gradio_client import Client

    client = Client(served, auth=("tester", "secret"), verbose=False)
    data = client.predict(QUESTION, api_name="/ask")
    assert data["question"] == QUESTION and not data["refused"]
    assert data["answer"] and data["citations"]
    assert {c["source"] for c in data["citations"]} & EXPECTED_SOURCES
    assert set(data["timings_ms"]) == {"retrieve", "generate", "total"}


def test_auth_is_required(served):
    import httpx

    assert httpx.get(served + "config", timeout=10).status_code in (401, 403)

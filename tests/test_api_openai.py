"""The OpenAI-compatible API, driven by the official `openai` client against a running server
(the hashing embedder and the extractive backend; the real e5 embedder in the `slow` test)."""

from __future__ import annotations

import httpx
import openai
import pytest

from rag.api.errors import ApiError
from rag.api.openai_routes import conversation
from rag.api.schemas import ChatMessage
from rag.backends import BACKENDS
from rag.backends.fake import FakeBackend
from rag.core.errors import ModelError

KEY = "sk-test-openai"
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
CITATION_KEYS = {"n", "source", "title", "date", "date_source", "page", "url", "chunk_id", "start", "end", "text", "spans"}


@pytest.fixture(scope="module")
def served(seeds_index, serve_app):
    assistant = seeds_index(api={"keys": [KEY]})
    return assistant, serve_app(assistant)


@pytest.fixture(scope="module")
def client(served):
    return openai.OpenAI(base_url=served[1] + "/v1", api_key=KEY, max_retries=0, timeout=120)


def _check_citations(text: str, citations: list[dict], assistant) -> None:
    assert citations, text
    chunks = {c.chunk_id: c for c in assistant.index().chunks}
    for c in citations:
        assert set(c) == CITATION_KEYS
        assert f"[{c['n']}]" in text
        # Each citation's span is a real sentence of the chunk it names, at its offsets.
        chunk = chunks[c["chunk_id"]]
        assert chunk.source == c["source"]
        assert chunk.text[c["start"] - chunk.start:c["end"] - chunk.start] == c["text"]


def test_models_lists_one_model_per_usable_backend(client, served):
    ids = [m.id for m in client.models.list()]
    usable = {r["name"] for r in served[0].backends() if r["usable"]} - {"fake"}
    assert ids[0] == "rag-extractive"  # the configured backend comes first
    assert set(ids) == {f"rag-{n}" for n in usable}
    assert client.models.retrieve("rag-extractive").id == "rag-extractive"


def test_chat_completion_carries_markers_and_citations(client, served):
    resp = client.chat.completions.create(model="rag-extractive", messages=[{"role": "user", "content": QUESTION}])
    text = resp.choices[0].message.content
    assert resp.choices[0].finish_reason == "stop" and "49 Prozent" in text
    _check_citations(text, resp.model_extra["citations"], served[0])
    # The very answer the JSON contract gives for the same question.
    assert text == served[0].ask(QUESTION).text


def test_streamed_chat_completion_ends_with_citations(client, served):
    chunks = list(client.chat.completions.create(
        model="rag-extractive", messages=[{"role": "user", "content": QUESTION}], stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3 and text == served[0].ask(QUESTION).text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert all("citations" not in c.model_extra for c in chunks[:-1])
    _check_citations(text, last.model_extra["citations"], served[0])


def test_follow_up_is_answered_from_the_history(client, served):
    asked, said = "Wie viel Geld soll in das Projekt Stargate fließen?", "500 Milliarden US-Dollar [1]."
    messages = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": asked},
                {"role": "assistant", "content": said}, {"role": "user", "content": "Und wer ist dabei?"}]
    resp = client.chat.completions.create(model="rag-extractive", messages=messages)
    # Condensed as the UI does it: the same answer as the Assistant gives with that history.
    expected = served[0].ask("Und wer ist dabei?", history=[(asked, said)])
    assert expected.standalone_question and "Stargate" in expected.standalone_question
    assert resp.choices[0].message.content == expected.text
    chunks = {c.chunk_id: c for c in served[0].index().chunks}
    assert any("Stargate" in chunks[c["chunk_id"]].text for c in resp.model_extra["citations"])


def test_messages_become_question_and_history():
    msgs = [ChatMessage(role="system", content="x"), ChatMessage(role="user", content="A?"),
            ChatMessage(role="assistant", content="a [1]."), ChatMessage(role="user", content="B?"),
            ChatMessage(role="user", content=[{"type": "text", "text": "C?"}])]
    assert conversation(msgs) == ("C?", [("A?", "a [1]."), ("B?", "")])
    with pytest.raises(ApiError):
        conversation([ChatMessage(role="user", content="A?"), ChatMessage(role="assistant", content="a")])


def test_errors_come_in_openai_shape(served, client):
    url = served[1] + "/v1"
    with pytest.raises(openai.AuthenticationError) as err:
        openai.OpenAI(base_url=url, api_key="wrong", max_retries=0).models.list()
    assert err.value.code == "invalid_api_key"
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    assert err.value.code == "model_not_found" and "rag-extractive" in err.value.message
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="rag-extractive", messages=[])
    assert err.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as err:  # an empty question, streamed: still a 400
        client.chat.completions.create(model="rag-extractive", stream=True,
                                       messages=[{"role": "user", "content": "  "}])
    assert "Please enter a question" in err.value.message
    raw = httpx.get(served[1] + "/v1/nope", headers={"Authorization": f"Bearer {KEY}"})
    assert raw.status_code == 404 and raw.json()["error"]["code"] == "unknown_url"


@pytest.mark.parametrize("stream", [False, True])
def test_more_than_one_choice_is_a_400_not_silently_one(client, stream):
    # Issue 32, item 11: n=3 returned one choice without a word.
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="rag-extractive", n=3, stream=stream,
                                       messages=[{"role": "user", "content": QUESTION}])
    assert err.value.param == "n" and err.value.code == "unsupported_value"
    assert "n=3" in err.value.message and "one answer" in err.value.message
    one = client.chat.completions.create(model="rag-extractive", n=1, messages=[{"role": "user", "content": QUESTION}])
    assert len(one.choices) == 1


class _FailsMidStream(FakeBackend):
    name = "fails-mid-stream"

    def stream(self, request):
        yield "Teil "
        raise ModelError("The model file vanished; reinstall it with: rag models install qwen-1.5b")


def test_error_after_the_stream_started_is_an_error_event(client):
    with BACKENDS.temporarily("fails-mid-stream", lambda ctx: _FailsMidStream(), "Test: fails mid-stream."):
        stream = client.chat.completions.create(model="rag-fails-mid-stream", stream=True,
                                                messages=[{"role": "user", "content": QUESTION}])
        first = next(iter(stream))
        assert first.choices[0].delta.role == "assistant"
        with pytest.raises(openai.APIError, match="rag models install qwen-1.5b"):
            list(stream)


@pytest.mark.slow
def test_real_embedder_answers_through_the_openai_client(real_assistant, serve_app):
    url = serve_app(real_assistant, keys=[KEY], ui=False)
    client = openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0, timeout=300)
    resp = client.chat.completions.create(model="rag-extractive", messages=[{"role": "user", "content": QUESTION}])
    assert "49" in resp.choices[0].message.content
    _check_citations(resp.choices[0].message.content, resp.model_extra["citations"], real_assistant)
    assert {c["source"] for c in resp.model_extra["citations"]} & {"000_0d2b54194bb49e3b.txt", "002_6df6d283adceccb0.txt"}
    chunks = list(client.chat.completions.create(
        model="rag-extractive", stream=True,
        messages=[{"role": "user", "content": "How much did Microsoft invest in OpenAI in 2019?"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "Milliarde" in text and chunks[-1].model_extra["citations"]

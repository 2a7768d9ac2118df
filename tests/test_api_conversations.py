"""Saved conversations over REST, against running servers: continuing one through
`conversation_id`, listing, renaming, deleting, two API keys that see disjoint conversations,
a restart that keeps them, and the local owner without keys."""

from __future__ import annotations

import httpx
import pytest

from rag.api.owners import owner_for_key
from rag.assistant import Assistant

K1, K2 = "sk-conv-one", "sk-conv-two"
FIRST = "Wie viel Geld soll in Stargate fließen?"


@pytest.fixture(scope="module")
def served(seeds_index, serve_app):
    assistant = seeds_index(api={"keys": [K1, K2]})  # its own data directory (conftest)
    return assistant, serve_app(assistant)


def client(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def test_a_conversation_continues_lists_renames_and_deletes(served, serve_app):
    assistant, url = served
    with client(url, K1) as one, client(url, K2) as two:
        first = one.post("/api/ask", json={"question": FIRST, "save": True}).json()
        cid = first["conversation_id"]
        assert cid and first["citations"]
        follow = one.post("/api/ask", json={"question": "Und wer ist dabei?", "conversation_id": cid}).json()
        assert follow["conversation_id"] == cid
        assert "Stargate" in follow["standalone_question"]
        assert "003_7f6e26588299af66.txt" in {r["source"] for r in follow["retrieved"]}

        listed = one.get("/api/conversations").json()
        assert [(c["id"], c["title"], c["turns"]) for c in listed] == [(cid, FIRST, 2)]
        whole = one.get(f"/api/conversations/{cid}").json()
        assert [t["question"] for t in whole["turns"]] == [FIRST, "Und wer ist dabei?"]
        assert whole["turns"][0]["standalone_question"] is None
        assert "Stargate" in whole["turns"][1]["standalone_question"]
        assert whole["turns"][0]["answer"]["citations"] == first["citations"]

        # The other key sees nothing of it, and cannot reach it by id.
        assert two.get("/api/conversations").json() == []
        for method, body in (("GET", None), ("DELETE", None), ("PATCH", {"title": "x"})):
            r = two.request(method, f"/api/conversations/{cid}", json=body)
            assert r.status_code == 404 and r.json()["error"]["type"] == "not_found_error"
        r = two.post("/api/ask", json={"question": "Und wann?", "conversation_id": cid})
        assert r.status_code == 404
        own = two.post("/api/ask", json={"question": "Wer leitet Microsoft AI?", "save": True}).json()
        assert [c["id"] for c in two.get("/api/conversations").json()] == [own["conversation_id"]]
        assert [c["id"] for c in one.get("/api/conversations").json()] == [cid]

        renamed = one.patch(f"/api/conversations/{cid}", json={"title": "  Stargate  "}).json()
        assert renamed["title"] == "Stargate" and renamed["turns"] == 2
        assert one.patch(f"/api/conversations/{cid}", json={"title": ""}).status_code == 400

    # A restart: a new Assistant and server over the same data directory keep it.
    again = serve_app(Assistant.from_settings(assistant.settings))
    with client(again, K1) as one:
        assert [(c["title"], c["turns"]) for c in one.get("/api/conversations").json()] == [("Stargate", 2)]
        assert one.delete(f"/api/conversations/{cid}").json() == {"deleted": cid}
        assert one.get(f"/api/conversations/{cid}").status_code == 404
        assert one.get("/api/conversations").json() == []
    # The store names owners by a hash of their key, never the key.
    raw = (assistant.settings.paths.data_dir / "conversations.sqlite3").read_bytes()
    assert K2.encode() not in raw and owner_for_key(K2).encode() in raw


def test_ask_without_saving_returns_no_conversation(served):
    with client(served[1], K1) as one:
        before = one.get("/api/conversations").json()
        data = one.post("/api/ask", json={"question": FIRST}).json()
        assert data["conversation_id"] is None and one.get("/api/conversations").json() == before
        bad = one.post("/api/ask", json={"question": FIRST, "conversation_id": "nope"})
        assert bad.status_code == 404


def test_keys_guard_the_conversation_routes(served):
    for method, path in [("GET", "/api/conversations"), ("GET", "/api/conversations/x"),
                         ("PATCH", "/api/conversations/x"), ("DELETE", "/api/conversations/x"),
                         ("GET", "/api/documents/003_7f6e26588299af66.txt")]:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = httpx.request(method, served[1] + path, headers=headers, json={"title": "t"}, timeout=30)
            assert r.status_code == 401, (method, path, headers)


def test_without_keys_there_is_one_local_owner(seeds_index, serve_app):
    assistant = seeds_index()
    url = serve_app(assistant)
    cid = httpx.post(url + "/api/ask", json={"question": FIRST, "save": True}, timeout=120).json()["conversation_id"]
    # Any bearer token (an OpenAI client always sends one) is the same local owner.
    listed = httpx.get(url + "/api/conversations", headers={"Authorization": "Bearer anything"}, timeout=30).json()
    assert [c["id"] for c in listed] == [cid]
    assert [c.id for c in assistant.conversations.list("local")] == [cid]


def test_openai_client_follow_up_is_resolved_from_the_messages(served):
    from openai import OpenAI

    question = "Wer ist der größte Kapitalgeber von OpenAI?"
    said = "Das Unternehmen bleibt zudem der größte Kapitalgeber von OpenAI [1]."
    client = OpenAI(base_url=served[1] + "/v1", api_key=K1, max_retries=0)
    resp = client.chat.completions.create(model="rag-extractive", messages=[
        {"role": "user", "content": question}, {"role": "assistant", "content": said},
        {"role": "user", "content": "Wie viel hat er insgesamt investiert?"}])
    expected = served[0].ask("Wie viel hat er insgesamt investiert?", history=[(question, said)])
    assert expected.standalone_question == "Wie viel hat Microsoft insgesamt investiert?"
    assert resp.choices[0].message.content == expected.text

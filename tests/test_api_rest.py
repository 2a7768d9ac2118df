"""The REST API with httpx against a running server: the JSON contract, uploads, deletes,
rebuilds, status, keys and the OpenAPI docs."""

from __future__ import annotations

import httpx
import pytest

from rag.api.schemas import AnswerOut, AskOut

KEY = "sk-test-rest"
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
ARTICLE = ("Die Stadtwerke Kleinhausen eröffnen im Mai 2024 einen Solarpark mit 4000 Modulen. "
           "Der Solarpark soll jährlich 3 Millionen Kilowattstunden Strom liefern.")


@pytest.fixture(scope="module")
def served(seeds_index, serve_app):
    assistant = seeds_index(api={"keys": [KEY, "second-key"]}, ui={"max_upload_mb": 0.01})
    return assistant, serve_app(assistant)


@pytest.fixture(scope="module")
def api(served):
    with httpx.Client(base_url=served[1], headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        yield client


def test_ask_returns_the_json_contract(api, served):
    data = api.post("/api/ask", json={"question": QUESTION, "k": 3}).json()
    expected = served[0].ask(QUESTION, k=3).to_json()
    assert set(AnswerOut.model_fields) == set(expected)
    # POST /api/ask adds the saved conversation it used (none here: nothing was saved).
    assert set(data) == set(AskOut.model_fields) == set(expected) | {"conversation_id"}
    assert data.pop("conversation_id") is None
    assert {k: v for k, v in data.items() if k != "timings_ms"} == \
        {k: v for k, v in expected.items() if k != "timings_ms"}
    assert len(data["retrieved"]) == 3 and data["citations"] and not data["refused"]


def test_ask_with_history_and_bad_input(api):
    data = api.post("/api/ask", json={"question": "Und wer ist dabei?",
                                      "history": [["Wie viel Geld soll in Stargate fließen?", "500 Milliarden [1]."]]}).json()
    assert "Stargate" in data["standalone_question"]
    bad = api.post("/api/ask", json={"question": "x", "mode": "magic"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "mode"
    empty = api.post("/api/ask", json={"question": " "})
    assert empty.status_code == 400 and "Please enter a question" in empty.json()["error"]["message"]
    unknown = api.post("/api/ask", json={"question": QUESTION, "backend": "nope"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "backend_unavailable"


def test_ask_within_a_date_range(api):
    data = api.post("/api/ask", json={"question": QUESTION, "since": "2024-06"}).json()
    assert data["retrieved"] and all(r["date"] is not None and r["date"][:7] >= "2024-06" for r in data["retrieved"])
    bad = api.post("/api/ask", json={"question": QUESTION, "since": "letzte Woche"})
    assert bad.status_code == 400 and "YYYY" in bad.json()["error"]["message"]


@pytest.mark.parametrize("field, value, problem", [
    ("since", "2024-13-45", "has no month 13"), ("until", "2024-02-30", "February 2024 has 29 days"),
    ("as_of", "2024-13", "has no month 13")])
def test_an_impossible_date_is_a_400_naming_it(api, field, value, problem):
    # Issue 32, item 6: these filtered as strings and the answer was silently refused.
    bad = api.post("/api/ask", json={"question": QUESTION, field: value})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_input"
    assert error["param"] == field and value in error["message"] and problem in error["message"]


def test_keys_guard_every_api_route(served):
    url = served[1]
    for method, path in [("GET", "/api/status"), ("GET", "/api/documents"), ("POST", "/api/index"),
                         ("POST", "/api/ask"), ("DELETE", "/api/documents/x.txt"), ("GET", "/v1/models")]:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dTpw"}):
            r = httpx.request(method, url + path, headers=headers, timeout=30)
            assert r.status_code == 401, (method, path, headers)
            assert r.json()["error"]["type"] == "authentication_error"
            assert r.headers["www-authenticate"] == "Bearer"
    assert httpx.get(url + "/api/status", headers={"Authorization": "Bearer second-key"}, timeout=30).status_code == 200


def test_upload_rebuild_ask_delete(api, served):
    seeds = served[0].settings.paths.seeds_dir
    files = [("files", ("../../Solarpark Kleinhausen.txt", ARTICLE.encode(), "text/plain")),
             ("files", ("copy.txt", (seeds / "000_0d2b54194bb49e3b.txt").read_bytes(), "text/plain")),
             ("files", ("run.exe", b"MZ\x90\x00", "application/octet-stream")),
             ("files", ("big.txt", b"Wort " * 4000, "text/plain"))]
    report = api.post("/api/documents", files=files).json()
    status = {f["original"]: (f["status"], f["name"]) for f in report["files"]}
    assert status["Solarpark Kleinhausen.txt"] == ("saved", "Solarpark_Kleinhausen.txt")
    assert status["copy.txt"][0] == "duplicate" and status["run.exe"][0] == "rejected"
    assert status["big.txt"][0] == "rejected" and report["index"] is None
    assert (seeds / "Solarpark_Kleinhausen.txt").read_text() == ARTICLE
    assert not list(seeds.parent.glob("*.txt"))  # nothing escaped the documents folder

    docs = {d["source"]: d for d in api.get("/api/documents").json()}
    assert docs["Solarpark_Kleinhausen.txt"]["state"] == "new"
    assert docs["000_0d2b54194bb49e3b.txt"]["state"] == "indexed" and docs["000_0d2b54194bb49e3b.txt"]["chunks"] > 0

    rebuilt = api.post("/api/index", json={}).json()
    assert rebuilt["added"] == ["Solarpark_Kleinhausen.txt"] and rebuilt["embedded_chunks"] >= 1
    answer = api.post("/api/ask", json={"question": "Wie viele Module hat der Solarpark in Kleinhausen?"}).json()
    assert "4000" in answer["answer"]
    assert answer["citations"][0]["source"] == "Solarpark_Kleinhausen.txt"

    gone = api.delete("/api/documents/Solarpark_Kleinhausen.txt", params={"index": "true"}).json()
    assert gone["deleted"] == "Solarpark_Kleinhausen.txt" and gone["index"]["removed"] == ["Solarpark_Kleinhausen.txt"]
    assert "Solarpark_Kleinhausen.txt" not in {d["source"] for d in api.get("/api/documents").json()}
    missing = api.delete("/api/documents/..%2F..%2Fetc%2Fpasswd")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"


def _raw_request(url: str, head: str, timeout: float = 10.0) -> bytes:
    """Send only a request's head (no body) over a socket; the bytes the server answers."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)  # socket.timeout here: the server waited for the body
            if not chunk:
                break
            answer += chunk
    return answer


def test_an_oversized_upload_is_refused_from_its_content_length_before_the_body(served):
    # Issue 32, item 11: the whole body was read before the size check.
    import json

    answer = _raw_request(served[1], f"POST /api/documents HTTP/1.1\nHost: x\nAuthorization: Bearer {KEY}\n"
                                     "Content-Type: multipart/form-data; boundary=b\nContent-Length: 104857600\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    error = json.loads(body)["error"]
    assert error["code"] == "upload_too_large" and "100.0 MB" in error["message"]
    assert "RAG_API__MAX_REQUEST_MB" in error["message"]
    # Without a declared length (chunked) the size cannot be checked first: 411.
    chunked = httpx.post(served[1] + "/api/documents", headers={"Authorization": f"Bearer {KEY}",
                         "Content-Type": "multipart/form-data; boundary=b"}, content=iter([b"--b--\r\n"]), timeout=30)
    assert chunked.status_code == 411 and chunked.json()["error"]["code"] == "length_required"


def test_an_upload_name_over_255_bytes_is_shortened(api, served):
    # Issue 32, item 5: 300 x "ä" (600 bytes) was a 500 (OSError: File name too long).
    long_name = "ä" * 300 + ".txt"
    r = api.post("/api/documents", files=[("files", (long_name, "Der Sportverein Niederau wurde 1921 gegründet, "
                                                                  "er hat heute 812 Mitglieder.".encode()))])
    assert r.status_code == 200, r.text
    (result,) = r.json()["files"]
    assert result["status"] == "saved" and result["name"] == "ae" * 40 + ".txt"
    assert result["original"].startswith("ääää") and len(result["original"].encode()) <= 255
    seeds = served[0].settings.paths.seeds_dir
    assert (seeds / result["name"]).is_file()
    assert api.delete(f"/api/documents/{result['name']}").status_code == 200


def test_upload_with_index_true_rebuilds_at_once(api, served):
    report = api.post("/api/documents", params={"index": "true"},
                      files=[("files", ("kurz.md", "# Kurz\n\nDer Testverein Oberwald wurde 1911 gegründet.".encode()))]).json()
    assert report["files"][0]["status"] == "saved" and report["index"]["added"] == ["kurz.md"]
    assert api.delete("/api/documents/kurz.md", params={"index": "true"}).json()["index"]["removed"] == ["kurz.md"]


def test_status_and_forced_rebuild(api, served):
    status = api.get("/api/status").json()
    assert status["index"]["documents"] == 5 and status["default_backend"] == "extractive"
    assert {"extractive", "fake"} <= {b["name"] for b in status["backends"]}
    report = api.post("/api/index", json={"force": True}).json()
    assert report["full_rebuild"] and len(report["added"]) + len(report["unchanged"]) == 5
    assert api.get("/api/status").json()["index"]["version"] == report["version"]


def test_docs_list_the_rest_api(served):
    spec = httpx.get(served[1] + "/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/ask", "/api/documents", "/api/documents/{source}", "/api/index", "/api/status",
            "/v1/models", "/v1/chat/completions"} <= set(paths)
    assert set(paths["/api/documents"]) == {"get", "post"} and "delete" in paths["/api/documents/{source}"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    page = httpx.get(served[1] + "/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text and "/openapi.json" in page.text

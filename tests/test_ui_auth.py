"""Issue 32, item 2: with API keys set (and no RAG_UI__AUTH), the UI and every Gradio route
that reads or changes data need a login too, on loopback as well; the login's password is
an API key. Driven against the real server on 127.0.0.1 with httpx and gradio_client."""

from __future__ import annotations

import json
from contextlib import closing

import httpx
import pytest

KEY = "sk-ui-key-1"
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
ARTICLE = b"Der Kegelclub Unterbach wurde 1931 gegruendet und hat heute 57 Mitglieder."


@pytest.fixture(scope="module")
def served(seeds_index, serve_app):
    assistant = seeds_index(api={"keys": [KEY, "sk-ui-key-2"]})
    return assistant, serve_app(assistant, ui_auth="")  # no RAG_UI__AUTH: the keys guard the UI


def _login(url: str, password: str, user: str = "irgendwer") -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    r = client.post("/login", data={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return client


def _dependencies(client: httpx.Client) -> dict[str, int]:
    """api_name -> fn index of the UI's events, from the (logged-in) config."""
    config = client.get("/config").json()
    return {d.get("api_name"): i for i, d in enumerate(config["dependencies"])}


def _run_event(client: httpx.Client, fn_index: int, data: list, session: str,
               event_data: dict | None = None) -> dict:
    """Run one UI event through Gradio's queue, as the browser does; its completion message."""
    joined = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index,
                                                         "session_hash": session, "event_data": event_data})
    assert joined.status_code == 200, joined.text
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as events:
        for line in events.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event never completed")


def test_without_a_login_no_gradio_route_reads_or_changes_data(served):
    assistant, url = served
    seeds = assistant.settings.paths.seeds_dir
    before = sorted(p.name for p in seeds.iterdir())
    with closing(_login(url, KEY)) as authed:  # a file uploaded by someone logged in, for file= below
        uploaded = authed.post("/gradio_api/upload", files={"files": ("verein.txt", ARTICLE)}).json()[0]
        fn_count = len(authed.get("/config").json()["dependencies"])
    anonymous = httpx.Client(base_url=url, timeout=60)
    bearer = httpx.Client(base_url=url, timeout=60, headers={"Authorization": "Bearer wrong"})
    for client in (anonymous, bearer):
        checks = {
            "upload": client.post("/gradio_api/upload", files={"files": ("x.txt", ARTICLE)}),
            "file=": client.get(f"/gradio_api/file={uploaded}"),
            "config": client.get("/config"),
            "info": client.get("/gradio_api/info"),
            "openapi": client.get("/gradio_api/openapi.json"),
            "call ask": client.post("/gradio_api/call/ask", json={"data": [QUESTION]}),
            "queue data": client.get("/gradio_api/queue/data", params={"session_hash": "s1"}),
        }
        for fn_index in range(fn_count):  # every UI event (upload, rebuild, chat, status)
            checks[f"queue join {fn_index}"] = client.post("/gradio_api/queue/join", json={
                "data": [], "fn_index": fn_index, "session_hash": "s1", "event_data": None})
        for what, r in checks.items():
            assert r.status_code in (401, 403), (what, r.status_code, r.text[:200])
    page = anonymous.get("/")  # the page shell only asks for the login
    assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
    assert "Kegelclub" not in page.text and "000_0d2b54194bb49e3b" not in page.text
    wrong = anonymous.post("/login", data={"username": "irgendwer", "password": "sk-wrong"})
    assert wrong.status_code == 400
    assert sorted(p.name for p in seeds.iterdir()) == before  # nothing was stored


def test_an_api_key_as_password_opens_the_ui(served):
    assistant, url = served
    seeds = assistant.settings.paths.seeds_dir
    with closing(_login(url, "sk-ui-key-2", user="redaktion")) as client:
        assert client.get("/config").status_code == 200
        uploaded = client.post("/gradio_api/upload", files={"files": ("verein.txt", ARTICLE)})
        assert uploaded.status_code == 200
        path = uploaded.json()[0]
        assert client.get(f"/gradio_api/file={path}").content == ARTICLE
        events = _dependencies(client)
        # The library's drop area sends each uploaded file's path as the event's data.
        done = _run_event(client, events["upload"], [], "s2", event_data={"paths": [path]})
        assert done["success"], done
        assert (seeds / "verein.txt").read_bytes() == ARTICLE
        done = _run_event(client, events["rebuild"], [False], "s3")
        assert done["success"], done
    assert "verein.txt" in assistant.index().manifest.documents
    # The name is now bound to that key's conversations: another key cannot log in under it.
    refused = httpx.post(url + "/login", data={"username": "redaktion", "password": KEY}, timeout=60)
    assert refused.status_code == 400


def test_gradio_client_logs_in_with_a_key(served):
    from gradio_client import Client

    data = Client(served[1] + "/", auth=("skript", KEY), verbose=False).predict(QUESTION, api_name="/ask")
    assert data["citations"] and not data["refused"]
    with pytest.raises(Exception):  # a wrong key is refused at the login
        Client(served[1] + "/", auth=("skript", "sk-wrong"), verbose=False)


def test_the_api_still_wants_its_bearer_key(served):
    url = served[1]
    assert httpx.get(url + "/api/status", timeout=30).status_code == 401
    assert httpx.get(url + "/api/status", headers={"Authorization": f"Bearer {KEY}"}, timeout=30).status_code == 200
    # The docs describe the API and hold no private data: open, as before.
    assert httpx.get(url + "/docs", timeout=30).status_code == 200


@pytest.mark.browser
@pytest.mark.slow
def test_a_browser_user_logs_in_with_a_key(served):
    from pathlib import Path

    from tests.test_ui_browser import ARGS, CHROMIUM, _require_chromium

    _require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width in (1366, 400):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(served[1] + "/")
                page.get_by_text("API key (RAG_API__KEYS) as the password").wait_for(timeout=60_000)
                page.screenshot(path=str(artifacts / f"login-{width}.png"))
                page.get_by_label("username").fill(f"leser-{width}")
                page.get_by_label("password").fill("sk-wrong")
                page.get_by_role("button", name="Login").click()
                page.get_by_text("Incorrect Credentials").wait_for(timeout=30_000)
                page.get_by_label("username").fill(f"leser-{width}")  # Gradio empties the form
                page.get_by_label("password").fill(KEY)
                page.get_by_role("button", name="Login").click()
                page.locator("#question textarea").wait_for(timeout=60_000)
                page.screenshot(path=str(artifacts / f"after-login-{width}.png"))
                page.close()
        finally:
            browser.close()

"""Parallel users on one server: questions through the API and the UI are answered at the same
time, and a question in flight survives the index being swapped (and its version deleted)
under it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from rag.backends import BACKENDS
from rag.backends.fake import FakeBackend

KEY = "sk-test-parallel"
UI_LOGIN = ("tester", "secret")
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
ARTICLE = "Die Gemeinde Tannwald baut 2025 eine Seilbahn mit 12 Kabinen über den Stausee."


class GateBackend(FakeBackend):
    """Generates only once `barrier.parties` questions are generating at the same time: if the
    server answered one at a time, the barrier would break and the questions fail."""

    name = "gate"
    barrier = threading.Barrier(4, timeout=120)  # generous: gradio_client connects slowly under load

    def stream(self, request):
        self.barrier.wait()
        yield from super().stream(request)


class PausedBackend(FakeBackend):
    """Holds its question in flight until the test releases it."""

    name = "paused"
    entered = threading.Event()
    release = threading.Event()

    def stream(self, request):
        self.entered.set()
        assert self.release.wait(60), "never released"
        yield from super().stream(request)


@pytest.fixture(scope="module")
def served(seeds_index, serve_app):
    with BACKENDS.temporarily("gate", lambda ctx: GateBackend(), "Test: waits for 4 at once."), \
            BACKENDS.temporarily("paused", lambda ctx: PausedBackend(), "Test: waits to be released."):
        assistant = seeds_index(api={"keys": [KEY]}, ui={"concurrency_limit": 4})
        yield assistant, serve_app(assistant, ui_auth=":".join(UI_LOGIN))


def _api_chat(url: str, model: str, question: str = QUESTION):
    client = openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0, timeout=120)
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}])


def _ui_ask(url: str, backend: str) -> dict:
    from gradio_client import Client

    client = Client(url + "/", auth=UI_LOGIN, verbose=False)
    try:
        return client.predict(QUESTION, 5, "hybrid", backend, api_name="/ask")
    finally:
        client.close()


def test_questions_through_api_and_ui_are_answered_at_once(served):
    url = served[1]
    with ThreadPoolExecutor(4) as pool:
        api = [pool.submit(_api_chat, url, "rag-gate") for _ in range(2)]
        ui = [pool.submit(_ui_ask, url, "gate") for _ in range(2)]
        api_answers = [f.result(timeout=180) for f in api]
        ui_answers = [f.result(timeout=180) for f in ui]
    assert all(a.model_extra["citations"] for a in api_answers)
    assert all(a["citations"] and not a["refused"] for a in ui_answers)
    assert not GateBackend.barrier.broken


def test_question_in_flight_survives_the_swap_of_its_index(served):
    assistant, url = served
    store_versions = assistant.settings.paths.index_dir / "versions"
    before = assistant.index().version
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120)
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(_api_chat, url, "rag-paused")
        assert PausedBackend.entered.wait(60)
        # While it waits: a new article, three rebuilds, and a question that swaps the index.
        saved = api.post("/api/documents", params={"index": "true"},
                         files=[("files", ("tannwald.txt", ARTICLE.encode()))]).json()
        assert saved["index"]["added"] == ["tannwald.txt"]
        other = api.post("/api/ask", json={"question": "Wie viele Kabinen hat die Seilbahn in Tannwald?"}).json()
        assert "12 Kabinen" in other["answer"] and other["citations"][0]["source"] == "tannwald.txt"
        api.post("/api/index", json={"force": True}).raise_for_status()
        api.post("/api/index", json={"force": True}).raise_for_status()
        assert assistant.index().version != before
        assert not (store_versions / before).exists()  # its version is gone from disk
        PausedBackend.release.set()
        answer = in_flight.result(timeout=120)
    citations = answer.model_extra["citations"]
    assert citations and "tannwald" not in {c["source"] for c in citations}
    assert answer.choices[0].message.content.startswith(citations[0]["text"][:30])
    api.delete("/api/documents/tannwald.txt", params={"index": "true"}).raise_for_status()
    api.close()


def test_ui_login_and_api_keys_are_separate(served):
    url = served[1]
    # The API key does not open the UI's Gradio API; the UI itself still needs its login.
    assert httpx.get(url + "/config", headers={"Authorization": f"Bearer {KEY}"}).status_code == 401
    with httpx.Client(base_url=url) as browser:
        assert browser.post("/login", data=dict(zip(("username", "password"), UI_LOGIN))).status_code == 200
        assert browser.get("/config").status_code == 200
        assert browser.get("/api/status").status_code == 401  # the UI's cookie is no API key


def test_many_questions_while_the_index_is_rebuilt_again_and_again(seeds_index):
    assistant = seeds_index(llm={"backend": "extractive"})
    seeds = assistant.settings.paths.seeds_dir
    questions = [QUESTION, "Wie viel Geld soll in Stargate fließen?", "Wer leitet Microsoft AI?",
                 "How much did Microsoft invest in OpenAI in 2019?"]
    seen, errors, answered, done = set(), [], [], threading.Event()

    def user(i: int) -> None:
        j = 0
        try:
            while not done.is_set():  # ask until the rebuilds are over
                seen.add(assistant.index().version)
                answer = assistant.ask(questions[(i + j) % len(questions)])
                assert answer.text and answer.hits
                answered.append(answer)
                j += 1
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for n in range(4):
        extra = seeds / "extra.txt"
        if extra.exists():
            extra.unlink()
        else:
            extra.write_text(f"{ARTICLE} Fassung {n}.", encoding="utf-8")
        assistant.rebuild()
    done.set()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(seen) >= 3 and len(answered) >= 8, (seen, len(answered))

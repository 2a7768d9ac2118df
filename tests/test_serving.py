"""Serving many people at once (rag/core/workers.py): questions run first come first served in
a pool of one worker per core, the event loop is never held, and the local model's queue
shows each waiting user their place."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from rag.backends import BACKENDS
from rag.backends.fake import FakeBackend
from rag.core.workers import SlotQueue, Waiting, WorkPool
from rag.ui import chat

KEY = "sk-test-serving"
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"


def test_slot_queue_admits_in_arrival_order_and_tells_each_waiter_its_place():
    slots = SlotQueue(1)
    for _ in slots.wait():  # the first caller is admitted at once
        raise AssertionError("nobody was ahead")
    seen: dict[int, list[int]] = {}
    admitted: list[int] = []

    def user(i: int) -> None:
        for waiting in slots.wait(poll_s=0.05):
            seen.setdefault(i, []).append(waiting.position)
        admitted.append(i)
        time.sleep(0.05)
        slots.release()

    threads = []
    for i in range(3):
        threads.append(threading.Thread(target=user, args=(i,)))
        threads[-1].start()
        while slots.waiting < i + 1:  # arrive one after another
            time.sleep(0.01)
    slots.release()
    for t in threads:
        t.join(10)
    assert admitted == [0, 1, 2]
    assert [places[0] for _, places in sorted(seen.items())] == [1, 2, 3]
    assert all(places == sorted(places, reverse=True) for places in seen.values())  # only moving up


def test_a_waiter_who_gives_up_frees_its_place():
    slots = SlotQueue(1)
    with slots.hold():
        first, second = slots.wait(poll_s=0.05), slots.wait(poll_s=0.05)
        assert next(first) == Waiting(1) and next(second) == Waiting(2)
        first.close()  # the user went away
        assert next(second) == Waiting(1) and slots.waiting == 1
        second.close()
    assert slots.waiting == 0


def test_work_pool_is_first_come_first_served_and_streams_events_and_errors():
    pool = WorkPool(1, "test")
    gate, order = threading.Event(), []
    first = pool.submit(lambda: (gate.wait(10), order.append("a")))
    later = [pool.submit(order.append, name) for name in "bcd"]
    gate.set()
    for f in [first, *later]:
        f.result(10)
    assert order == ["a", "b", "c", "d"]

    def events():
        yield "one"
        yield "two"
        raise ValueError("boom")

    got = []
    with pytest.raises(ValueError, match="boom"):
        for event in pool.stream(events):
            got.append(event)
    assert got == ["one", "two"]
    pool.shutdown()


class HeldBackend(FakeBackend):
    """Computes in this process (like the extractive reader) and holds its worker until
    released; records the order questions started in."""

    name = "held"
    computes = True
    release = threading.Event()
    started: list[str] = []

    def stream(self, request):
        self.started.append(request.question)
        assert self.release.wait(60), "never released"
        yield from super().stream(request)


class QueuedBackend(FakeBackend):
    """Generates one answer at a time behind a SlotQueue, as the local model does."""

    name = "queued"
    slots = SlotQueue(1)
    hold_s = 1.0

    def stream(self, request):
        yield from self.slots.wait(poll_s=0.1)
        try:
            time.sleep(self.hold_s)
            yield from super().stream(request)
        finally:
            self.slots.release()


@pytest.fixture(scope="module")
def served(seeds_index, serve_app):
    with BACKENDS.temporarily("held", lambda ctx: HeldBackend(), "Test: holds its compute worker."), \
            BACKENDS.temporarily("queued", lambda ctx: QueuedBackend(), "Test: one at a time, queued."):
        # One compute worker, as on a one-core machine: the order is then observable.
        assistant = seeds_index(api={"keys": [KEY]}, answer={"workers": 1})
        yield assistant, serve_app(assistant)


def _chat(url: str, model: str, question: str = QUESTION, stream: bool = False) -> httpx.Response:
    return httpx.post(url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"}, timeout=120,
                      json={"model": model, "stream": stream, "messages": [{"role": "user", "content": question}]})


def test_questions_wait_their_turn_for_the_cores_and_the_event_loop_stays_free(served):
    assistant, url = served
    assert assistant.pool_for("held").workers == 1 and assistant.pool_for("extractive") is assistant.pool_for("held")
    questions = [f"{QUESTION} ({i})" for i in range(3)]
    with ThreadPoolExecutor(4) as clients:
        held = [clients.submit(_chat, url, "rag-held", questions[0])]
        while not HeldBackend.started:
            time.sleep(0.02)
        for q in questions[1:]:  # arriving one after another
            held.append(clients.submit(_chat, url, "rag-held", q))
            time.sleep(0.5)
        # The one compute worker is held: the others wait in line, not on the CPU ...
        assert HeldBackend.started == questions[:1]
        # ... while the server answers what needs no worker at once,
        t = time.perf_counter()
        assert httpx.get(url + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        assert time.perf_counter() - t < 5
        # and an LLM answer, which mostly waits, has threads of its own.
        assert _chat(url, "rag-queued").json()["citations"]
        HeldBackend.release.set()
        assert all(f.result(120).status_code == 200 for f in held)
    assert HeldBackend.started == questions  # first come, first served


def test_a_streamed_answer_shows_its_place_in_the_local_models_queue(served):
    url = served[1]

    def stream(i: int) -> list[dict]:
        events = []
        with httpx.stream("POST", url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                          timeout=120, json={"model": "rag-queued", "stream": True,
                                             "messages": [{"role": "user", "content": f"{QUESTION} ({i})"}]}) as r:
            for line in r.iter_lines():
                if line.startswith("data: {"):
                    events.append(json.loads(line[6:]))
        return events

    with ThreadPoolExecutor(3) as clients:
        with QueuedBackend.slots.hold():  # another user's answer is being generated
            runs = []
            for i in range(3):
                runs.append(clients.submit(stream, i))
                deadline = time.monotonic() + 60
                while QueuedBackend.slots.waiting < i + 1 and time.monotonic() < deadline:
                    time.sleep(0.02)  # arrive one after another
        results = [f.result(120) for f in runs]
    places = [[e["queue"]["position"] for e in events if "queue" in e] for events in results]
    assert [p[0] for p in places] == [1, 2, 3]
    assert all(p == sorted(p, reverse=True) and p[-1] == 1 and len(set(p)) == len(p) for p in places)
    for events in results:  # every answer still arrives whole, with its citations
        assert events[-1]["choices"][0]["finish_reason"] == "stop" and events[-1]["citations"]


def test_the_ui_shows_the_place_in_the_queue(served):
    assistant = served[0]
    with QueuedBackend.slots.hold():  # someone else is generating
        chats = []
        worker = threading.Thread(target=lambda: chats.extend(chat.respond(
            assistant, QUESTION, [], "", [], chat.LOCAL_OWNER, backend="queued")))
        worker.start()
        deadline = time.monotonic() + 60
        while not any("Warteschlange" in str(c[0][-1]["content"]) for c in chats) and time.monotonic() < deadline:
            time.sleep(0.05)
    worker.join(60)
    shown = [str(c[0][-1]["content"]) for c in chats]
    assert any("Platz 1" in s and "position 1" in s for s in shown)
    assert "rag-answer" in shown[-1] and "Warteschlange" not in shown[-1] and "rag-status" not in shown[-1]
    # While queued, the status line shows the place (it also keeps a second question out of this chat).
    assert any("rag-status" in s and "Platz 1" in s for s in shown)


@pytest.mark.llm
def test_the_local_model_queue_with_the_real_model(tmp_path, seeds_dir, serve_app):
    """Two streamed questions to the real local model at once: the second is told its place."""
    from rag.assistant import Assistant
    from rag.core.config import load_settings
    from tests.conftest import REPO

    pytest.importorskip("llama_cpp")
    settings = load_settings(paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / "index", "models_dir": REPO / "models"},
                             embedding={"backend": "hashing", "dim": 256}, api={"keys": [KEY]}, llm={"max_tokens": 48})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    url = serve_app(assistant)

    def stream(question: str) -> list[dict]:
        with httpx.stream("POST", url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                          timeout=600, json={"model": "rag-local", "stream": True,
                                             "messages": [{"role": "user", "content": question}]}) as r:
            return [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]

    with ThreadPoolExecutor(2) as clients:
        first = clients.submit(stream, QUESTION)
        time.sleep(1.0)
        second = clients.submit(stream, "Wer leitet Microsoft AI?")
        a, b = first.result(900), second.result(900)
    assert not any("queue" in e for e in a)
    assert [e["queue"]["position"] for e in b if "queue" in e][:1] == [1]
    assert a[-1]["choices"][0]["finish_reason"] == "stop" and b[-1]["choices"][0]["finish_reason"] == "stop"

"""Serving many people at once: a first-come-first-served pool for request work, and a queue
for a part that serves fewer at a time (the local LLM) that tells each waiter its place.

`WorkPool` runs callables and generators on a fixed number of threads, in the order they
came. Sized to the cores for work that computes (the extractive reader, one e5 encode per
question), it keeps the CPU busy without oversubscribing it: 16 request threads sharing 2
cores made latencies spread from 0.4 to 2 s for the same work (README, api_load.py).
Async callers await it without holding the event loop.

`SlotQueue` admits `slots` holders at once, first come first served (a threading.Lock
promises no order), and reports each waiter's place as it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterator

_DONE = object()


@dataclass(frozen=True)
class Waiting:
    """A generation waits for its turn: `position` holders are ahead (1 = next)."""

    position: int


class WorkPool:
    """`workers` threads taking tasks first come, first served."""

    def __init__(self, workers: int, name: str):
        self.workers = workers
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=name)

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` on a worker; the event loop stays free meanwhile."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def _produce(self, events: Callable[[], Iterator[Any]], put: Callable[[Any], None],
                 stop: threading.Event) -> None:
        """Run the generator on a worker, handing each event to `put`; `stop` ends it early
        (the consumer went away: the generator is closed, releasing what it holds)."""
        gen = events()
        try:
            for event in gen:
                if stop.is_set():
                    break
                put(event)
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, who re-raises it
            put(exc)
        finally:
            gen.close()

    def stream(self, events: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        """The events of `events()`, a generator run on a worker, in this thread."""
        out: queue.Queue = queue.Queue()
        stop = threading.Event()
        self.submit(self._produce, events, out.put, stop)
        try:
            while (item := out.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    async def astream(self, events: Callable[[], Iterator[Any]]) -> AsyncIterator[Any]:
        """The events of `events()`, a generator run on a worker, for an async consumer."""
        loop = asyncio.get_running_loop()
        out: asyncio.Queue = asyncio.Queue()
        stop = threading.Event()
        self.submit(self._produce, events, lambda item: loop.call_soon_threadsafe(out.put_nowait, item), stop)
        try:
            while (item := await out.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class SlotQueue:
    """At most `slots` holders at once; the others wait in the order they came."""

    def __init__(self, slots: int = 1):
        self.slots = slots
        self._cond = threading.Condition()
        self._tickets = itertools.count()
        self._waiting: list[int] = []  # tickets, first come first
        self._holders = 0

    def wait(self, poll_s: float = 0.5) -> Iterator[Waiting]:
        """Take a place and yield `Waiting(position)` when it changes, and every `poll_s`
        seconds (so a consumer can give up), until it is this caller's turn; the caller then
        holds a slot until `release()`. Closing the generator while waiting gives the place up."""
        with self._cond:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
        admitted = False
        try:
            shown, timed_out = None, False
            while True:
                with self._cond:
                    ahead = self._waiting.index(ticket)
                    if ahead == 0 and self._holders < self.slots:
                        self._waiting.pop(0)
                        self._holders += 1
                        admitted = True
                        self._cond.notify_all()
                        return
                    place = ahead + 1
                    if place == shown and not timed_out:
                        timed_out = not self._cond.wait(poll_s)
                        continue
                shown, timed_out = place, False
                yield Waiting(place)
        finally:
            if not admitted:
                with self._cond:
                    if ticket in self._waiting:
                        self._waiting.remove(ticket)
                    self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._holders -= 1
            self._cond.notify_all()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Wait for a slot (without reporting the place) and hold it for the block."""
        for _ in self.wait():
            pass
        try:
            yield
        finally:
            self.release()

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)


class Pools:
    """The pools a server answers in: `compute` (`workers` threads; 0 = one per core) for
    answers computed in this process (the extractive reader), `wait` (`llm_workers`) for
    answers by an LLM backend, which mostly wait: for a remote server, or in the local
    model's `SlotQueue`. An LLM request never holds a compute worker while it waits."""

    def __init__(self, workers: int, llm_workers: int):
        import os

        self._sizes = {"compute": workers or os.cpu_count() or 1, "wait": llm_workers}
        self._pools: dict[str, WorkPool] = {}
        self._lock = threading.Lock()

    def get(self, kind: str) -> WorkPool:
        with self._lock:
            if kind not in self._pools:
                self._pools[kind] = WorkPool(self._sizes[kind], f"rag-{kind}")
            return self._pools[kind]

    def shutdown(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.shutdown()
            self._pools.clear()

"""Bounded load test of `rag serve`: N concurrent clients x M questions each, on 127.0.0.1.

Usage (from the repo root):
    python benchmarks/api_load.py                     # e5 and hashing, each on its own fresh index of seeds/
    python benchmarks/api_load.py --clients 16 --requests 10 --mode stream
    python benchmarks/api_load.py --embedders onnx --index /path/to/index   # an existing index
    python benchmarks/api_load.py --url http://127.0.0.1:7860 --key KEY     # a running server

Without --url, for each embedder backend of `--embedders` (default `onnx,hashing`: e5, then
the hashing embedder, which costs nothing, so their ratio is what e5 costs a served answer)
it builds an index of `--seeds` in a temporary directory (or uses `--index`), starts `rag
serve` on a free loopback port with a fresh API key and the settings of the environment
(default: the extractive backend), waits until it answers and asks one question to load the
models, runs the load, prints the server's memory (VmRSS, VmHWM) and stops it; the
embedders take turns, `--rounds` fresh servers each (nothing cached from a round before).
Each client is one keep-alive connection asking the eval set's questions
(evals/questions.jsonl) one after another, as a user would. It ends with each embedder's
median throughput and p95 / p50 over the rounds and, with two, the ratio of their median
throughputs, all taken in this one run. The hashing embedder's cosines are not on the
scale the reader was fitted on, so its answers are refusals: a cheaper path.

Bounded by construction: exactly clients x requests requests, a per-request timeout, and a
deadline (--max-seconds) after which unfinished ones are cancelled and counted. Prints
p50/p95/max latency (nearest rank), throughput and errors; exits 1 on any error or cancel.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    first_byte: list[float] = field(default_factory=list)  # stream mode: until the first text chunk
    errors: dict[str, int] = field(default_factory=dict)  # "HTTP 503", "ReadTimeout", ... -> count
    cited: int = 0  # answers with at least one citation (the rest are refusals)
    wall: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN without values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def questions(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line)["question"] for line in fh if line.strip()]


async def _one(client: httpx.AsyncClient, mode: str, model: str, question: str, res: Result) -> None:
    t0 = time.perf_counter()
    try:
        if mode == "ask":
            r = await client.post("/api/ask", json={"question": question})
            r.raise_for_status()
            citations = r.json()["citations"]
        elif mode == "chat":
            r = await client.post("/v1/chat/completions", json={
                "model": model, "messages": [{"role": "user", "content": question}]})
            r.raise_for_status()
            citations = r.json()["citations"]
        else:
            citations, first, done = None, None, False
            async with client.stream("POST", "/v1/chat/completions", json={
                    "model": model, "stream": True, "messages": [{"role": "user", "content": question}]}) as r:
                if r.status_code != 200:
                    await r.aread()
                    r.raise_for_status()
                async for line in r.aiter_lines():
                    if line == "data: [DONE]":
                        done = True
                    elif line.startswith("data: "):
                        event = json.loads(line[6:])
                        if "error" in event:
                            raise RuntimeError(event["error"]["message"])
                        if first is None and event["choices"][0]["delta"].get("content"):
                            first = time.perf_counter() - t0
                        citations = event.get("citations", citations)
            if not done or citations is None:
                raise RuntimeError("stream ended without citations and [DONE]")
            res.first_byte.append(first if first is not None else time.perf_counter() - t0)
        res.latencies.append(time.perf_counter() - t0)
        res.cited += bool(citations)
    except httpx.HTTPStatusError as exc:
        res.error(f"HTTP {exc.response.status_code}")
    except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as exc:
        res.error(type(exc).__name__)


async def run_load(url: str, key: str | None, clients: int, requests: int, mode: str, model: str,
                   asked: list[str], timeout: float, max_seconds: float) -> Result:
    res = Result()
    headers = {"Authorization": f"Bearer {key}"} if key else {}

    async def user(uid: int) -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout,
                                     limits=httpx.Limits(max_connections=1)) as client:
            for j in range(requests):
                await _one(client, mode, model, asked[(uid * requests + j) % len(asked)], res)

    t0 = time.perf_counter()
    tasks = [asyncio.create_task(user(u)) for u in range(clients)]
    _, pending = await asyncio.wait(tasks, timeout=max_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    res.wall = time.perf_counter() - t0
    return res


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(key: str, log_path: Path, extra: list[str], wait_s: float,
                 env_extra: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`rag serve` on a free loopback port; returns once /v1/models answers."""
    port = _free_port()
    env = {**os.environ, "RAG_API__KEYS": key, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"rag serve exited with {proc.returncode}; see {log_path}")
        try:
            if httpx.get(url + "/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"rag serve did not answer within {wait_s:.0f} s; see {log_path}")


def report(res: Result, args: argparse.Namespace) -> str:
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    total = args.clients * args.requests
    cancelled = total - len(res.latencies) - sum(res.errors.values())
    lines = [
        f"mode={args.mode} model={args.model} clients={args.clients} x requests={args.requests} = {total}",
        f"ok={len(res.latencies)} errors={sum(res.errors.values())} {res.errors or ''} cancelled={cancelled} "
        f"cited={res.cited}/{len(res.latencies)}",
        f"wall={res.wall:.1f} s  throughput={len(res.latencies) / res.wall:.2f} answers/s",
        f"latency p50={ms(percentile(res.latencies, 50))} p95={ms(percentile(res.latencies, 95))} "
        f"max={ms(max(res.latencies, default=math.nan))}",
    ]
    if res.first_byte:
        lines.append(f"first text p50={ms(percentile(res.first_byte, 50))} p95={ms(percentile(res.first_byte, 95))}")
    return "\n".join(lines)


def memory(pid: int) -> str:
    """The process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "memory: n/a"
    kb = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if line.startswith(("VmRSS", "VmHWM"))}
    return f"server memory: RSS {kb.get('VmRSS', 0) / 1024:.0f} MB, peak {kb.get('VmHWM', 0) / 1024:.0f} MB"


def build_index(backend: str, seeds: Path, index: Path) -> None:
    """`rag index` of `seeds` into `index` with the embedder `backend`."""
    done = subprocess.run([sys.executable, "-m", "rag.cli", "index", "--seeds", str(seeds), "--index", str(index),
                           "--embedder-backend", backend], cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"rag index failed:\n{done.stderr[-2000:]}")


def start_served(args: argparse.Namespace, backend: str, index: Path) -> tuple[subprocess.Popen, str, str]:
    """`rag serve` of `index` with the embedder `backend`, its models loaded by one question."""
    key = secrets.token_urlsafe(16)
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"rag-api-load-serve-{backend}.log"
    proc, url = start_server(key, log_path, args.serve_args.split() + ["--index", str(index)], wait_s=600,
                             env_extra={"RAG_EMBEDDING__BACKEND": backend})
    asyncio.run(run_load(url, key, 1, 1, args.mode, args.model, questions(args.questions), args.timeout, args.timeout))
    return proc, url, key


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running server (default: start `rag serve`)")
    ap.add_argument("--key", help="its API key (RAG_API__KEYS)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=10, help="questions per client")
    ap.add_argument("--mode", choices=["chat", "stream", "ask"], default="chat")
    ap.add_argument("--model", default="rag-extractive")
    ap.add_argument("--questions", type=Path, default=REPO / "evals" / "questions.jsonl")
    ap.add_argument("--timeout", type=float, default=120.0, help="per request, seconds")
    ap.add_argument("--max-seconds", type=float, default=600.0, help="for the whole load")
    ap.add_argument("--serve-args", default="", help="extra `rag serve` flags")
    ap.add_argument("--embedders", default="onnx,hashing", help="embedder backends to serve, one run each")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds", help="documents to index for each run")
    ap.add_argument("--index", type=Path, help="serve this existing index instead (one embedder)")
    ap.add_argument("--rounds", type=int, default=3, help="loads per server, taking turns")
    args = ap.parse_args()

    if args.url:
        host = httpx.URL(args.url).host
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            ap.error("only loopback targets: this is a load test")
        res = asyncio.run(run_load(args.url.rstrip("/"), args.key, args.clients, args.requests, args.mode,
                                   args.model, questions(args.questions), args.timeout, args.max_seconds))
        print(report(res, args))
        return 1 if res.errors or len(res.latencies) < args.clients * args.requests else 0
    backends = [b for b in args.embedders.split(",") if b]
    if args.index and len(backends) != 1:
        ap.error("--index serves one existing index: name its embedder with --embedders")
    results: dict[str, list[Result]] = {b: [] for b in backends}
    with tempfile.TemporaryDirectory(prefix="rag-api-load-") as tmp:
        indexes = {}
        for backend in backends:
            indexes[backend] = args.index or Path(tmp) / backend
            if args.index is None:
                build_index(backend, args.seeds, indexes[backend])
        # Turn by turn, each load on a fresh server (no answer cached from an earlier round):
        # a slow spell of a shared machine then hits each embedder alike.
        for round_ in range(args.rounds):
            for backend in backends:
                proc, url, key = start_served(args, backend, indexes[backend])
                try:
                    res = asyncio.run(run_load(url, key, args.clients, args.requests, args.mode, args.model,
                                               questions(args.questions), args.timeout, args.max_seconds))
                    mem = memory(proc.pid)
                finally:
                    proc.terminate()
                    proc.wait(30)
                results[backend].append(res)
                print(f"--- round {round_ + 1}, embedder backend {backend} ---\n{report(res, args)}\n{mem}", flush=True)
    median_rate = {b: statistics.median(len(r.latencies) / r.wall for r in rs) for b, rs in results.items()}
    spread = {b: statistics.median(percentile(r.latencies, 95) / percentile(r.latencies, 50) for r in rs)
              for b, rs in results.items()}
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.rounds} rounds: "
          + "; ".join(f"{b} {median_rate[b]:.2f} answers/s, p95/p50 {spread[b]:.2f}" for b in backends))
    if len(backends) == 2:
        a, b = backends
        print(f"throughput {a} / {b} = {median_rate[a] / median_rate[b]:.2f}x")
    failed = any(r.errors or len(r.latencies) < args.clients * args.requests for rs in results.values() for r in rs)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Cold starts: `rag ask`, `rag index` with nothing to do, and the UI, against the import of
sentence-transformers + faiss (issue "Fast starts and fast indexing").

Usage (from the repo root, after `rag models install e5`):
    python benchmarks/startup.py [--models-dir models] [--repeats 3] [--precision int8]

Indexes the seeds into a temp dir with the default (onnx) embedder, then runs each command
`--repeats` times as a fresh process and prints the median wall time, the median peak RSS
(ru_maxrss of that process) and the ratio to the median of
`python -c "import sentence_transformers, faiss"` from the same run. The UI time is from
starting `rag serve` to the first HTTP 200 on `/`. The load average is printed: on a shared
machine only the ratios within one run mean much.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTION = "Wie viel Eiweiß braucht ein Erwachsener pro Tag?"


def run(cmd: list[str], env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one process run to completion."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def ui_ready(cmd: list[str], env: dict, port: int, timeout: float = 180) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd + ["--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the UI did not answer in time")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    sys.path.insert(0, str(REPO))
    from rag.core.config import EmbeddingSettings  # settings only: no model, no index

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--precision", choices=["fp32", "int8"], default=EmbeddingSettings().precision,
                    help="of the index build (questions run fp32 either way); default: the settings'")
    ap.add_argument("--skip-ui", action="store_true")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    tmp = Path(tempfile.mkdtemp(prefix="rag-startup-"))
    try:
        seeds, index = tmp / "seeds", tmp / "index"
        shutil.copytree(REPO / "seeds", seeds)
        common = ["--seeds", str(seeds), "--index", str(index), "--models-dir", str(args.models_dir),
                  "--precision", args.precision]
        rag = [sys.executable, "-m", "rag.cli"]
        run(rag + ["index"] + common, env)  # the index the other commands use

        cases = {
            'python -c "import sentence_transformers, faiss"':
                [sys.executable, "-c", "import sentence_transformers, faiss"],
            f'rag ask "{QUESTION}"': rag + ["ask"] + common + [QUESTION],
            "rag index (nothing changed)": rag + ["index"] + common,
        }
        results = {}
        for name, cmd in cases.items():
            runs = [run(cmd, env) for _ in range(args.repeats)]
            results[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        if not args.skip_ui:
            times = [ui_ready(rag + ["serve"] + common, env, free_port()) for _ in range(args.repeats)]
            results["rag serve: UI answers /"] = (statistics.median(times), float("nan"))

        base = results['python -c "import sentence_transformers, faiss"'][0]
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores); medians of {args.repeats}; precision {args.precision}")
        print(f"{'what':<70} {'seconds':>8} {'RSS MB':>8} {'ratio':>7}")
        for name, (seconds, rss) in results.items():
            print(f"{name:<70} {seconds:8.2f} {rss:8.0f} {seconds / base:7.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

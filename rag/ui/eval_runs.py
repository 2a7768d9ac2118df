"""The Evaluation tab's work: run `rag eval` in a child process, follow its progress, list
the run folders and embed a report.

Why a child process and not a call into `rag.evaluation`:
- the layering contract (pyproject.toml) keeps the edges `rag.ui` and `rag.evaluation`
  apart; the tab uses the evaluation through its command line, as a user would;
- an eval keeps the cores busy for minutes. In its own process, at a lower priority
  (`ui.eval_nice`), it never holds the server's GIL or its worker threads, and chat answers
  for other users come first on the shared cores;
- Stop kills one process and nothing half-done stays in the server. A run whose page was
  closed goes on and writes its report, which the tab lists.

The child gets the server's exact settings (every section as JSON in `RAG_<SECTION>`), so
it evaluates the index, models and backend the chat uses.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from rag.core.config import Settings
from rag.core.errors import InputError

SETS = {
    "seeds": "the seed articles' questions (evals/questions.jsonl), on the live index",
    "news": "96 questions on 10kGNAD news: needs the path to 10kGNAD's test.csv",
    "xquad": "XQuAD-format benchmark: needs the path to a SQuAD-format JSON (e.g. xquad.de.json)",
}
SPLITS = ("test", "dev", "all")
# Sections a child needs; ui and api are the server's own (and hold its keys).
CHILD_SECTIONS_SKIPPED = ("ui", "api")
# tqdm's line: "Evaluating:  12%|█▏        | 6/50 [00:01<00:08,  5.1q/s]" (any stage's name).
_PROGRESS = re.compile(r"([^\r\n:|]*):\s*\d+%\|[^|]*\|\s*(\d+)/(\d+)")
REPORT_PREFIX = "Report: "
TAIL_LINES = 15  # output lines kept to explain a failed run
FRAME_STYLE = "width:100%;height:80vh;min-height:480px;border:1px solid #d0d5dd;border-radius:8px;background:#fff"


@dataclass(frozen=True)
class EvalEvent:
    """("started", the child's pid); ("progress", stage, done, total) while running; then
    ("done", report.html path) or ("failed", the last lines of output)."""

    kind: str
    text: str = ""
    done: int = 0
    total: int = 0


def eval_command(set_name: str, split: str, path: str = "", limit: int = 0,
                 out_dir: Path | None = None) -> list[str]:
    """The `rag eval` command line for a set, split, data file and question limit."""
    if set_name not in SETS:
        raise InputError(f"unknown eval set {set_name!r}; choose one of {', '.join(SETS)}")
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    path = (path or "").strip()
    if set_name != "seeds" and not path:
        raise InputError(f"The {set_name} set needs a data file: {SETS[set_name]}")
    cmd = [sys.executable, "-m", "rag.cli", "eval", "--split", split]
    if set_name == "xquad":
        cmd += ["--dataset", "xquad", "--path", path, "--mode", "hybrid"]
    else:
        cmd += ["--set", set_name] + (["--path", path] if path else [])
    if limit and int(limit) > 0:
        cmd += ["--limit", str(int(limit))]
    if out_dir is not None:
        cmd += ["--out", str(out_dir)]
    return cmd


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of a child `rag` process that loads exactly `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    for name in type(settings).model_fields:
        if name not in CHILD_SECTIONS_SKIPPED:
            env[f"RAG_{name.upper()}"] = json.dumps(getattr(settings, name).model_dump(mode="json"))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def parse_progress(text: str) -> tuple[str, int, int] | None:
    """The last (stage, done, total) tqdm printed in `text`, if any."""
    found = _PROGRESS.findall(text)
    if not found:
        return None
    stage, done, total = found[-1]
    return stage.strip(), int(done), int(total)


def run_eval(cmd: list[str], env: dict[str, str], nice: int = 0,
             on_start: Callable[[subprocess.Popen], None] | None = None) -> Iterator[EvalEvent]:
    """Run `cmd` `nice` levels below this process, yielding its progress; the child is
    killed if the caller closes the iterator early. `on_start(process)` gets the child (to
    stop it from elsewhere: `stop`)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    if on_start is not None:
        on_start(proc)
    if nice and hasattr(os, "setpriority"):
        try:  # relative to the server's own level: a server run under `nice` stays above its evals
            os.setpriority(os.PRIO_PROCESS, proc.pid, min(19, os.getpriority(os.PRIO_PROCESS, proc.pid) + nice))
        except OSError:  # it may already have exited
            pass
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    report, pending = None, ""
    try:
        yield EvalEvent("started", str(proc.pid))
        while True:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk.decode("utf-8", errors="replace")
            *lines, pending = re.split(r"[\r\n]", pending)
            for line in lines:
                if line.startswith(REPORT_PREFIX):
                    report = line[len(REPORT_PREFIX):].strip()
                elif line.strip() and not _PROGRESS.search(line):
                    tail.append(line)
            progress = parse_progress("\n".join(lines + [pending]))
            if progress:
                yield EvalEvent("progress", *progress)
        code = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    if code == 0 and report:
        yield EvalEvent("done", report)
    else:
        yield EvalEvent("failed", "\n".join(tail) or f"rag eval exited with code {code}")


def stop(proc: subprocess.Popen | None) -> bool:
    """Kill a running child; True if it was still running."""
    if proc is None or proc.poll() is not None:
        return False
    proc.kill()
    proc.wait()
    return True


def list_runs(root: Path) -> list[tuple[str, str]]:
    """(label, folder name) of every run folder under `root` with a report.html, newest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    folders = sorted((p.parent for p in root.glob("*/report.html")), key=lambda p: p.name, reverse=True)
    return [(p.name, p.name) for p in folders]


def run_folder(root: Path, name: str) -> Path:
    """The run folder `name` directly under `root` (a name from `list_runs`, nothing else)."""
    folder = (Path(root) / str(name)).resolve()
    if folder.parent != Path(root).resolve() or not (folder / "report.html").is_file():
        raise InputError(f"No eval report named {name!r} in {root}")
    return folder


def report_frame(folder: Path) -> str:
    """The run's report.html, embedded as is: a sandboxed frame (no script may run, its
    styles stay inside) whose document is the file's own text."""
    page = (Path(folder) / "report.html").read_text(encoding="utf-8")
    return (f'<p style="font-size:.85em;opacity:.8">Report: <code>{html.escape(str(Path(folder) / "report.html"))}'
            f'</code></p><iframe class="rag-eval-report" title="Eval report" sandbox="" style="{FRAME_STYLE}" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>')

"""The Evaluation tab's work without a browser: the command, the child's settings, progress,
the run folders and the embedded report (rag/ui/eval_runs.py). Child processes are real."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.core.config import load_settings
from rag.core.errors import InputError
from rag.ui import eval_runs

TQDM = "Evaluating:  12%|█▏        | 6/50 [00:01<00:08,  5.10q/s]\rEvaluating:  14%|█▍        | 7/50 [00:01<00:08,  5.20q/s]"


def test_eval_command_per_set() -> None:
    head = [sys.executable, "-m", "rag.cli", "eval", "--split"]
    assert eval_runs.eval_command("seeds", "test") == head + ["test", "--set", "seeds"]
    assert eval_runs.eval_command("news", "dev", " data/test.csv ", 5, Path("/r")) == head + [
        "dev", "--set", "news", "--path", "data/test.csv", "--limit", "5", "--out", "/r"]
    assert eval_runs.eval_command("xquad", "all", "x.json") == head + [
        "all", "--dataset", "xquad", "--path", "x.json", "--mode", "hybrid"]
    with pytest.raises(InputError, match="news set needs a data file"):
        eval_runs.eval_command("news", "test", "")
    with pytest.raises(InputError, match="unknown split"):
        eval_runs.eval_command("seeds", "train")


def test_child_process_loads_the_servers_exact_settings(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVAL__K", "3")  # the parent's env must not leak past its settings
    settings = load_settings(paths={"seeds_dir": tmp_path / "s", "index_dir": tmp_path / "i",
                                    "eval_results_dir": tmp_path / "r"},
                             embedding={"backend": "hashing", "dim": 128}, retrieval={"k": 7},
                             reader={"max_sentences": 2}, api={"keys": ["secret"]})
    code = ("import json; from rag.core.config import load_settings; s = load_settings(); "
            "print(json.dumps(s.model_dump(mode='json', exclude={'ui', 'api'})))")
    out = subprocess.run([sys.executable, "-c", code], env=eval_runs.child_env(settings), capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == settings.model_dump(mode="json", exclude={"ui", "api"})
    assert "secret" not in json.dumps(eval_runs.child_env(settings))


def test_progress_is_read_from_any_stage() -> None:
    assert eval_runs.parse_progress(TQDM) == ("Evaluating", 7, 50)
    assert eval_runs.parse_progress("Retrieval hybrid:  50%|█████     | 3/6 [00:00<00:00]") == ("Retrieval hybrid", 3, 6)
    assert eval_runs.parse_progress("Compared with x: no question changed") is None


def test_run_eval_streams_progress_and_finds_the_report(tmp_path: Path) -> None:
    script = ("import sys, os\n"
              f"sys.stderr.write({TQDM!r}); sys.stderr.flush()\n"
              "print('table'); print('Report: /tmp/x/report.html')\n")
    started = []
    events = list(eval_runs.run_eval([sys.executable, "-c", script], dict(os.environ), on_start=started.append))
    assert events[0] == eval_runs.EvalEvent("started", str(started[0].pid))
    assert events[1] == eval_runs.EvalEvent("progress", "Evaluating", 7, 50)
    assert events[-1] == eval_runs.EvalEvent("done", "/tmp/x/report.html")


def test_a_failed_run_says_why_and_runs_at_the_lower_priority() -> None:
    # The child reads its priority after setpriority has surely landed (it follows the start).
    script = ("import os, sys, time; time.sleep(0.5); print('nice', os.getpriority(os.PRIO_PROCESS, 0)); "
              "print('error: no index'); sys.exit(2)")
    *_, last = eval_runs.run_eval([sys.executable, "-c", script], dict(os.environ), nice=7)
    assert last.kind == "failed" and "error: no index" in last.text
    assert f"nice {min(19, os.getpriority(os.PRIO_PROCESS, 0) + 7)}" in last.text


def test_stopping_early_kills_the_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = (f"import os, sys, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
              f"while True:\n    sys.stderr.write({TQDM!r}); sys.stderr.flush(); time.sleep(0.05)")
    events = eval_runs.run_eval([sys.executable, "-c", script], dict(os.environ))
    assert next(events).kind == "started" and next(events).kind == "progress"
    pid = int(pid_file.read_text())
    events.close()  # the iterator dropped early
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_stop_kills_a_running_child_from_elsewhere() -> None:
    started = []
    events = eval_runs.run_eval([sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ),
                                on_start=started.append)
    assert next(events).kind == "started"
    assert eval_runs.stop(started[0]) is True  # the Stop button, from another thread
    assert started[0].returncode is not None and eval_runs.stop(started[0]) is False
    assert next(events).kind == "failed"


def test_run_folders_listed_newest_first_and_nothing_outside(tmp_path: Path) -> None:
    for name in ("20261201-100000-seeds-extractive-test", "20261202-100000-news-extractive-test"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.html").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "incomplete").mkdir()
    assert [v for _, v in eval_runs.list_runs(tmp_path)] == ["20261202-100000-news-extractive-test",
                                                             "20261201-100000-seeds-extractive-test"]
    assert eval_runs.list_runs(tmp_path / "missing") == []
    assert eval_runs.run_folder(tmp_path, "20261201-100000-seeds-extractive-test").name.startswith("20261201")
    for bad in ("incomplete", "../" + tmp_path.name, "/etc"):
        with pytest.raises(InputError, match="No eval report"):
            eval_runs.run_folder(tmp_path, bad)


def test_report_frame_embeds_the_file_as_is_sandboxed(tmp_path: Path) -> None:
    page = '<!doctype html><h1 id="t">Eval "report" & more</h1>'
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    frame = eval_runs.report_frame(tmp_path)
    assert 'sandbox=""' in frame and f'srcdoc="{html.escape(page, quote=True)}"' in frame
    assert "<h1" not in frame  # the report's markup stays inside the frame's document

"""The Evaluation tab: pick a set and split, run `rag eval` with progress, read the report
(the run folder's report.html, embedded). The work is in `rag.ui.eval_runs`; `build` only
lays out and wires the components. `rag.ui.app` calls it inside its Blocks.
"""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from rag.core.config import Settings
from rag.core.errors import RagError
from rag.ui import eval_runs

INTRO = ("Runs `rag eval` on this server's index and answer backend, in a separate low-priority process: "
         "the chat keeps answering meanwhile. **test** is the frozen, held-out split; **dev** is the one "
         "tuned on. Each run writes a folder under `{root}` and is compared with the previous run of the "
         "same set and split.")
STOPPED = "**Stopped.** The run was ended; it wrote no report."


def _status(event: eval_runs.EvalEvent) -> str:
    if event.kind == "progress":
        return f"**Running:** {html.escape(event.text or 'evaluating')} {event.done}/{event.total}"
    if event.kind == "done":
        return "**Done.** The report is below."
    return f"**The run failed.**\n\n```\n{event.text}\n```"


def build(settings: Settings) -> None:
    """Add the Evaluation tab to the Blocks being built."""
    root = Path(settings.paths.eval_results_dir)
    children: dict[int, object] = {}  # pid -> the running `rag eval` process, for Stop
    with gr.Tab("Evaluation", elem_id="eval-tab") as tab:
        gr.Markdown(INTRO.format(root=html.escape(str(root))))
        with gr.Row():
            eval_set = gr.Dropdown(list(eval_runs.SETS), value="seeds", label="Set", elem_id="eval-set",
                                   info=eval_runs.SETS["seeds"])
            split = gr.Radio(list(eval_runs.SPLITS), value="test", label="Split", elem_id="eval-split")
            path = gr.Textbox(label="Data file (news, xquad)", placeholder="../shared/benchmarks/10kgnad/test.csv",
                              elem_id="eval-path")
            limit = gr.Number(0, precision=0, minimum=0, label="First N questions (0 = all)", elem_id="eval-limit")
        with gr.Row():
            run = gr.Button("Run evaluation", variant="primary", elem_id="eval-run")
            stop = gr.Button("Stop", size="sm", elem_id="eval-stop")
        status = gr.Markdown("", elem_id="eval-status")
        with gr.Row():
            runs = gr.Dropdown(eval_runs.list_runs(root), value=None, label="Reports (newest first)",
                               elem_id="eval-runs", scale=4, min_width=300)
            refresh = gr.Button("Refresh list", size="sm", scale=1)
        report = gr.HTML("", elem_id="eval-report")
        pid = gr.State(0)  # this session's running eval

    def describe(name):
        return gr.update(info=eval_runs.SETS.get(name, ""))

    def start(name, split_name, data_path, first_n, progress=gr.Progress()):
        try:
            cmd = eval_runs.eval_command(name, split_name, data_path, int(first_n or 0), root)
        except RagError as exc:
            raise gr.Error(html.escape(str(exc)), print_exception=False) from None
        yield "**Starting** `rag eval` …", gr.update(), gr.update(), 0
        started: list = []
        try:
            for event in eval_runs.run_eval(cmd, eval_runs.child_env(settings), settings.ui.eval_nice,
                                            on_start=lambda proc: (started.append(proc),
                                                                   children.__setitem__(proc.pid, proc))):
                me = started[0].pid
                if event.kind == "started":
                    yield "**Started** `rag eval` …", gr.update(), gr.update(), me
                elif event.kind == "progress":
                    progress((event.done, event.total), desc=event.text)
                    yield _status(event), gr.update(), gr.update(), me
                elif event.kind == "done":
                    folder = Path(event.text).parent
                    yield (_status(event), gr.update(choices=eval_runs.list_runs(root), value=folder.name),
                           eval_runs.report_frame(folder), 0)
                elif me not in children:  # ended by Stop (halt took it out)
                    yield STOPPED, gr.update(), gr.update(), 0
                else:
                    yield _status(event), gr.update(), gr.update(), 0
        finally:
            for proc in started:
                children.pop(proc.pid, None)

    def halt(running_pid):
        stopped = eval_runs.stop(children.pop(int(running_pid or 0), None))
        return (STOPPED if stopped else "_Nothing is running._"), 0

    def show(name):
        if not name:
            return ""
        try:
            return eval_runs.report_frame(eval_runs.run_folder(root, name))
        except RagError as exc:
            raise gr.Error(html.escape(str(exc)), print_exception=False) from None

    eval_set.change(describe, eval_set, eval_set, queue=False, api_visibility="private")
    # One eval at a time, in its own queue: chat events keep their own concurrency.
    running = run.click(start, [eval_set, split, path, limit], [status, runs, report, pid],
                        concurrency_limit=1, concurrency_id="eval", api_visibility="private")
    # Kill the child (this session's only: its pid travels in the session's State), then end the event.
    stop.click(halt, pid, [status, pid], cancels=[running], queue=False, api_visibility="private")
    runs.input(show, runs, report, api_visibility="private")
    # Runs appear from the CLI and other users too: the list is read when the tab is opened.
    for trigger in (refresh.click, tab.select):
        trigger(lambda: gr.update(choices=eval_runs.list_runs(root)), None, runs, queue=False,
                api_visibility="private")

"""Before/after numbers of a claim-verification change for one LLM backend, generating once.

Verification runs after generation, so two code versions that differ only in verification
see the same retrieval, the same gate decisions and, at temperature 0, the same replies.
`record` asks every question of an eval split with the backend and stores its raw replies
(keyed by the question the backend was given); `replay` runs the split again with a backend
that returns those replies, under the recording backend's prompt policy (evidence
sentences, extractive gate), and prints the usual eval table. Run `replay` with each code
version on its PYTHONPATH:

    python benchmarks/verify_replay.py record --set seeds --llm local --out /tmp/seeds-local.json
    PYTHONPATH=<old checkout> python benchmarks/verify_replay.py replay --set seeds --replies /tmp/seeds-local.json
    PYTHONPATH=<new checkout> python benchmarks/verify_replay.py replay --set seeds --replies /tmp/seeds-local.json

`--set news` needs `--path ../shared/benchmarks/10kgnad/test.csv`. Only the `rag` API that
both versions share is used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class Recorder:
    """Passes every call to `inner` and keeps each reply under its question."""

    def __init__(self, inner, replies: dict[str, str]):
        self.inner, self.replies = inner, replies
        self.name = inner.name
        self.small_model_defaults = getattr(inner, "small_model_defaults", {})

    def stream(self, request):
        pieces = []
        for piece in self.inner.stream(request):
            pieces.append(piece)
            yield piece
        self.replies[request.analysis.text] = "".join(pieces)

    def generate(self, request):
        reply = self.inner.generate(request)
        self.replies[request.analysis.text] = reply
        return reply

    def condense(self, question, history):
        return self.inner.condense(question, history)


class Replayer:
    """Returns the recorded reply for each question, under the recorder's prompt policy."""

    def __init__(self, recorded: dict):
        self.name = recorded["backend"]
        self.small_model_defaults = recorded["small_model_defaults"]
        self.replies = recorded["replies"]

    def generate(self, request):
        if request.analysis.text not in self.replies:
            raise SystemExit(f"no recorded reply for {request.analysis.text!r}: was the gate decided otherwise?")
        return self.replies[request.analysis.text]

    def stream(self, request):
        yield self.generate(request)

    def condense(self, question, history):
        return question


def _assistant(args, settings):
    if args.set == "news":
        from rag.evaluation.corpora import news_assistant

        return news_assistant(settings, settings.paths.cache_dir / "corpora", args.path)
    from rag.assistant import Assistant

    return Assistant.from_settings(settings)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["record", "replay"])
    p.add_argument("--set", choices=["seeds", "news"], default="seeds")
    p.add_argument("--path", type=Path, help="10kGNAD test.csv for --set news")
    p.add_argument("--split", default="test")
    p.add_argument("--llm", default="local", help="record: the backend to record")
    p.add_argument("--out", type=Path, help="record: the replies file; replay: a report directory")
    p.add_argument("--replies", type=Path, help="replay: the replies file")
    p.add_argument("--limit", type=int, help="only the first N questions (a recording still under way)")
    p.add_argument("--resume", action="store_true",
                   help="record: keep the replies already in --out and ask only the questions after its 'asked'")
    args = p.parse_args(argv)

    from rag.core.config import load_settings
    from rag.evaluation.report import format_table, write_report
    from rag.evaluation.runner import load_items, run_eval, select_split

    settings = load_settings(llm={"backend": args.llm})
    assistant = _assistant(args, settings)
    items = select_split(load_items(Path("evals/news/questions.jsonl" if args.set == "news"
                                         else "evals/questions.jsonl")), args.split)
    items = items[: args.limit] if args.limit else items
    if args.mode == "record":
        inner = assistant.backend(args.llm)
        replies: dict[str, str] = {}
        done = 0
        if args.resume and args.out.exists():
            earlier = json.loads(args.out.read_text())
            replies, done = earlier["replies"], earlier["asked"]
        assistant._backends[args.llm] = Recorder(inner, replies)  # this script's wrapper, not a test fake
        for i, item in enumerate(items, 1):
            if i <= done:
                continue
            assistant.ask(item["question"])
            tmp = args.out.with_name(args.out.name + ".tmp")  # a kill mid-write must not lose hours of replies
            tmp.write_text(json.dumps({"backend": inner.name, "set": args.set, "split": args.split, "asked": i,
                                       "small_model_defaults": getattr(inner, "small_model_defaults", {}),
                                       "replies": replies}, ensure_ascii=False, indent=1))
            tmp.replace(args.out)
            print(f"{i}/{len(items)}", file=sys.stderr, flush=True)
        return 0
    recorded = json.loads(args.replies.read_text())
    assistant._backends[recorded["backend"]] = Replayer(recorded)
    result = run_eval(lambda q: assistant.ask(q, llm=recorded["backend"]).to_json(), items,
                      meta={"replayed": str(args.replies), "set": args.set, "split": args.split})
    if args.out:
        write_report(result, args.out)
    print(format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

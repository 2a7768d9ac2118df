"""`rag eval --set followups`: score follow-up resolution on two-turn conversations.

    rag eval --set followups --split dev            # the resolver alone: no index, no model
    rag eval --set followups --split test --live    # + the `corpus: seeds` ones asked end to end

Each conversation's follow-up is resolved against its stored first turn (its answer text and
the cited `context`), exactly as `Assistant.ask(history=...)` does. A rewrite is right when it
differs from the message and holds every `must_contain` and no `must_not_contain` string; a
standalone message is right only when it comes back unchanged. The schema is in
evals/README.md ("Follow-ups").

`--live` also asks the `corpus: seeds` conversations through the Assistant (the configured
backend, the index in `paths.index_dir`): the first question, then the follow-up with that
real answer as history, and reports whether the answer holds a gold `answers` string.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rag.answer.condense import PriorTurn, resolve_follow_up
from rag.core.errors import InputError

DEFAULT_PATH = Path("evals/followups/conversations.jsonl")
KINDS = ("pronoun", "reference", "place", "time", "ellipsis", "standalone")
_REQUIRED = ("id", "split", "lang", "kind", "turns", "follow_up", "depends", "corpus")


def load_conversations(path: str | Path = DEFAULT_PATH) -> list[dict[str, Any]]:
    """The conversations of a JSONL file (blank and `#` lines skipped); malformed ones are an
    InputError naming the line."""
    out, seen = [], set()
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc})") from None
        missing = [k for k in _REQUIRED if k not in item]
        if missing:
            raise InputError(f"{where}: missing {', '.join(missing)}")
        if item["id"] in seen:
            raise InputError(f"{where}: duplicate id {item['id']!r}")
        if item["split"] not in ("dev", "test") or item["kind"] not in KINDS:
            raise InputError(f"{where}: split must be dev|test, kind one of {', '.join(KINDS)}")
        if not item["turns"] or not all(t.get("question") for t in item["turns"]):
            raise InputError(f"{where}: turns must hold at least one turn with a question")
        if item["depends"] != (item["kind"] != "standalone") or (item["depends"] and not item.get("must_contain")):
            raise InputError(f"{where}: a rewrite (depends true) needs must_contain; kind standalone means depends false")
        seen.add(item["id"])
        out.append(item)
    return out


def history_of(item: dict[str, Any]) -> list[PriorTurn]:
    return [PriorTurn(t["question"], t.get("answer", ""), t.get("standalone"),
                      (t["context"],) if t.get("context") else ()) for t in item["turns"]]


def _holds(text: str, needle: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(needle.casefold()), text.casefold()) is not None


def judge(item: dict[str, Any], rewrite: str) -> tuple[bool, str]:
    """(right, why not) for the standalone question `rewrite` of conversation `item`."""
    message = item["follow_up"]
    if not item["depends"]:
        return (rewrite == message, "" if rewrite == message else "rewritten, but it stands alone")
    if rewrite == message:
        return False, "passed unchanged, but it depends on the history"
    missing = [s for s in item.get("must_contain", []) if not _holds(rewrite, s)]
    extra = [s for s in item.get("must_not_contain", []) if _holds(rewrite, s)]
    why = "; ".join(p for p in (f"lacks {missing}" if missing else "", f"holds {extra}" if extra else "") if p)
    return not why, why


def score(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Resolve every follow-up and judge it: per conversation and aggregated."""
    rows = []
    for item in items:
        resolution = resolve_follow_up(item["follow_up"], history_of(item))
        right, why = judge(item, resolution.text)
        rows.append({"id": item["id"], "lang": item["lang"], "kind": item["kind"], "depends": item["depends"],
                     "follow_up": item["follow_up"], "standalone": resolution.text, "why_resolved": resolution.why,
                     "right": right, "why_wrong": why})
    return {"rows": rows, **_aggregate(rows)}


def _aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(subset):
        return {"right": sum(r["right"] for r in subset), "total": len(subset),
                "score": round(sum(r["right"] for r in subset) / len(subset), 3) if subset else None}

    groups: dict[str, list] = defaultdict(list)
    for r in rows:
        groups[r["kind"]].append(r)
        groups[f"lang:{r['lang']}"].append(r)
    return {"overall": rate(rows), "rewrites": rate([r for r in rows if r["depends"]]),
            "pass_throughs": rate([r for r in rows if not r["depends"]]),
            "by": {k: rate(v) for k, v in sorted(groups.items())}}


def live(items: list[dict[str, Any]], assistant) -> list[dict[str, Any]]:
    """Ask the `corpus: seeds` conversations end to end; answer match of the follow-up."""
    from rag.conversations import Turn
    from rag.evaluation.metrics import answer_match

    out = []
    for item in items:
        if item["corpus"] != "seeds" or not item.get("answers"):
            continue
        first = item["turns"][-1]["question"]
        a1 = assistant.ask(first)
        a2 = assistant.ask(item["follow_up"], history=[Turn(first, None, a1.to_json())])
        out.append({"id": item["id"], "standalone": a2.standalone_question or item["follow_up"],
                    "answer": a2.text, "refused": a2.refused,
                    "answer_match": answer_match({"answers": item["answers"]}, a2.text) and not a2.refused})
    return out


def run(args, settings) -> int:
    """The `rag eval --set followups` command: prints the scores, writes report.json."""
    path = args.questions or DEFAULT_PATH
    split = getattr(args, "split", "test")
    items = [i for i in load_conversations(path) if split == "all" or i["split"] == split]
    if not items:
        raise InputError(f"{path} has no conversations in split {split!r}.")
    report = {"set": "followups", "split": split, "conversations": str(path), **score(items)}
    if getattr(args, "live", False):
        from rag.assistant import Assistant

        answered = live(items, Assistant.from_settings(settings))
        report["live"] = {"llm": settings.llm.backend, "rows": answered,
                          "answer_match": sum(r["answer_match"] for r in answered), "total": len(answered)}
    for r in report["rows"]:
        if not r["right"]:
            print(f"WRONG {r['id']} ({r['kind']}): {r['follow_up']!r} -> {r['standalone']!r}: {r['why_wrong']}")
    print(f"\nFollow-ups, split {split}: {_line(report['overall'])} right "
          f"(rewrites {_line(report['rewrites'])}, pass-throughs {_line(report['pass_throughs'])})")
    print("  " + ", ".join(f"{k} {_line(v)}" for k, v in report["by"].items()))
    if "live" in report:
        print(f"  live ({report['live']['llm']}): follow-up answered right "
              f"{report['live']['answer_match']}/{report['live']['total']}")
    out = Path(args.out or settings.paths.eval_results_dir) / f"{time.strftime('%Y%m%d-%H%M%S')}-followups-{split}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"Wrote {out / 'report.json'}")
    return 0


def _line(rate: dict[str, Any]) -> str:
    return f"{rate['right']}/{rate['total']}" + (f" = {rate['score']:.3f}" if rate["total"] else "")

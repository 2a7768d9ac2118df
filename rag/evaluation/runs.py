"""Run folders: naming them, finding the previous run of the same set and split, and what
changed since.

`finish_run(report, folder)` completes a report dict with the comparison and writes
``report.json`` and ``report.html``:

- ``previous``: the run folder compared with (the newest earlier run in the same results
  directory with the same set, split, passages and data file; or `--compare`), else None;
- ``changed``: every question whose outcome changed, with before and after ([] when none;
  None without a previous run); ``questions``: ids added, removed, and answered differently
  with the same outcome;
- ``likely_causes``: what the two runs' provenance says differs (documents, index, models,
  backend, code, data), the documents first;
- ``comparison``: every shared overall metric, previous and now;
- ``calibration``: the reliability table of the answers' confidence (None without one).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rag.core.errors import InputError
from rag.core.fsio import atomic_write_text
from rag.evaluation.calibration import reliability
from rag.evaluation.records import records

JSON_NAME, HTML_NAME = "report.json", "report.html"
NAMES_SHOWN = 8  # document names listed per kind of change in a cause


def new_run_dir(root: str | Path, *parts: str) -> Path:
    """``root/<YYYYmmdd-HHMMSS>-<parts...>``, made unique (a second run in the same second)."""
    root = Path(root)
    name = "-".join([time.strftime("%Y%m%d-%H%M%S"), *[p for p in parts if p]])
    path, n = root / name, 2
    while path.exists():
        path, n = root / f"{name}-{n}", n + 1
    return path


def run_key(report: dict[str, Any]) -> tuple:
    """What makes two runs comparable: the set, split, passages and data file name."""
    meta = report.get("meta") or {}
    data = meta.get("dataset") or meta.get("questions")
    return (meta.get("set"), meta.get("split"), meta.get("passages", "retrieved"),
            Path(str(data)).name if data else None)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a half-written or foreign file is not a run
    return data if isinstance(data, dict) and "meta" in data else None


def find_previous(root: str | Path, report: dict[str, Any], exclude: Path | None = None) -> Path | None:
    """The newest run folder under `root` whose report has `report`'s run key."""
    key, found = run_key(report), []
    for path in Path(root).glob(f"*/{JSON_NAME}"):
        if exclude is not None and path.parent.resolve() == Path(exclude).resolve():
            continue
        data = _read(path)
        if data is not None and run_key(data) == key:
            found.append((str((data.get("meta") or {}).get("timestamp", "")), path.stat().st_mtime_ns, path.parent))
    return max(found)[2] if found else None


def compare(previous: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (metric, previous, now, delta) for every overall metric in both reports.

    `previous` and `now` are report dicts (``overall`` is read from each). Delta is None
    when either side is missing.
    """
    prev, cur = previous.get("overall", {}), now.get("overall", {})
    rows = []
    for name in [k for k in cur if k in prev]:
        a, b = prev[name], cur[name]
        delta = b - a if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        rows.append({"metric": name, "previous": a, "now": b, "delta": delta})
    return rows


def _state(r: dict[str, Any]) -> dict[str, Any]:
    state = {"outcome": r["outcome"]}
    for key in ("answer", "rank"):
        if key in r:
            state[key] = r[key]
    return state


def question_changes(previous: dict[str, Any], now: dict[str, Any]) -> tuple[list, dict[str, list]]:
    """(changed, {"added", "removed", "same_outcome_new_answer"}) between two reports."""
    before = {r["id"]: r for r in records(previous)}
    after = {r["id"]: r for r in records(now)}
    changed, reworded = [], []
    for qid, r in after.items():
        old = before.get(qid)
        if old is None:
            continue
        if old["outcome"] != r["outcome"]:
            changed.append({"id": qid, "question": r.get("question"), "type": r.get("type"),
                            "before": _state(old), "after": _state(r)})
        elif _state(old) != _state(r):
            reworded.append(qid)
    return changed, {"added": [q for q in after if q not in before],
                     "removed": [q for q in before if q not in after],
                     "same_outcome_new_answer": reworded}


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def _documents_cause(before: dict[str, str], after: dict[str, str]) -> str:
    added = [s for s in after if s not in before]
    removed = [s for s in before if s not in after]
    edited = [s for s in after if s in before and after[s] != before[s]]
    parts = [f"{len(v)} {k} ({_names(v)})" for k, v in
             (("added", added), ("removed", removed), ("changed", edited)) if v]
    return "the indexed documents changed: " + "; ".join(parts) if parts else "the indexed documents changed"


def _sha(record: Any) -> Any:
    return record.get("sha256") if isinstance(record, dict) else record


def likely_causes(previous: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Differences between the two runs' provenance and settings, most likely cause first."""
    a, b = previous.get("provenance"), now.get("provenance")
    if not a or not b:
        return ["the previous run recorded no provenance (it predates it), so no cause can be named"]
    causes = []
    if a.get("corpus_sha256") != b.get("corpus_sha256"):
        causes.append(_documents_cause(a.get("documents") or {}, b.get("documents") or {}))
    index_keys = ("index_sha256", "index_embedder", "chunking")
    if any(a.get(k) != b.get(k) for k in index_keys):
        causes.append(f"the index changed (version {a.get('index_version')} → {b.get('index_version')}"
                      + (", embedder or chunking too" if any(a.get(k) != b.get(k) for k in index_keys[1:]) else "")
                      + ")")
    checks = (
        ("embedder", lambda p: (p.get("embedder") or {}).get("model_id"), "the embedder changed"),
        ("embedder file", lambda p: _sha((p.get("embedder") or {}).get("file")), "the embedder's files changed"),
        ("reader", lambda p: _sha(p.get("reader_params")), "the reader's parameter file changed"),
        ("backend", lambda p: p.get("backend"), "the answer backend or its model changed"),
        ("code", lambda p: (p.get("code") or {}).get("commit"), "the code changed (commit {0} → {1})"),
        ("dataset", lambda p: [_sha(d) for d in p.get("dataset") or []], "the questions or data file changed"),
    )
    for _, get, text in checks:
        x, y = get(a), get(b)
        if x != y:
            causes.append(text.format(str(x)[:10], str(y)[:10]))
    ma, mb = previous.get("meta") or {}, now.get("meta") or {}
    for key in ("retrieval", "chunking", "llm_model", "judge"):
        if ma.get(key) != mb.get(key) and (ma.get(key) is not None or mb.get(key) is not None):
            causes.append(f"the {key} settings changed")
    code_a, code_b = a.get("code") or {}, b.get("code") or {}
    if code_a.get("commit") == code_b.get("commit") and code_a.get("changes_sha256") != code_b.get("changes_sha256"):
        causes.append("the code changed (the same commit, different uncommitted changes)")
    return causes


def finish_run(report: dict[str, Any], folder: str | Path, compare_to: str | Path | None = None) -> dict[str, Path]:
    """Add the comparison to `report`, write ``report.json`` and ``report.html`` into
    `folder`; returns their paths. `compare_to` (a run folder or its report.json) overrides
    the search for the previous run."""
    from rag.evaluation.report_html import render

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    previous_dir = None
    if compare_to is not None:
        previous_dir = Path(compare_to).parent if Path(compare_to).is_file() else Path(compare_to)
    else:
        previous_dir = find_previous(folder.parent, report, exclude=folder)
    previous = _read(previous_dir / JSON_NAME) if previous_dir is not None else None
    if compare_to is not None and previous is None:
        raise InputError(f"--compare {compare_to}: no eval report there (expected a run folder or its {JSON_NAME})")
    if previous is None:
        report.update(previous=None, changed=None, questions=None, likely_causes=[],
                      comparison=report.get("comparison"))
    else:
        changed, questions = question_changes(previous, report)
        causes = likely_causes(previous, report)
        if changed and not causes:
            causes = ["nothing recorded differs between the two runs: the answers are not deterministic"]
        report.update(previous=str(previous_dir), changed=changed, questions=questions,
                      likely_causes=causes, comparison=compare(previous, report))
    report["calibration"] = reliability(records(report))
    paths = {"json": folder / JSON_NAME, "html": folder / HTML_NAME}
    atomic_write_text(paths["json"], json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n")
    atomic_write_text(paths["html"], render(report))
    return paths


def change_summary(report: dict[str, Any]) -> str:
    """A few lines on the comparison with the previous run, for the terminal and report.md."""
    if report.get("previous") is None:
        return "No earlier run of this set and split to compare with."
    changed = report.get("changed") or []
    lines = [f"Compared with {report['previous']}: "
             + (f"{len(changed)} questions changed outcome." if changed else "no question changed its outcome.")]
    lines += [f"  {c['id']}: {c['before']['outcome']} -> {c['after']['outcome']}" for c in changed[:20]]
    if len(changed) > 20:
        lines.append(f"  ... and {len(changed) - 20} more (report.html lists them all)")
    lines += [f"  likely cause: {c}" for c in report.get("likely_causes") or []]
    return "\n".join(lines)


def write_benchmark_run(result: dict[str, Any], kind: str, dataset: Path, out_root: str | Path) -> dict[str, Path]:
    """A SQuAD-format benchmark's result as a run folder like an eval set's: its flat
    ``overall``, the dataset file in its provenance, report.json and report.html."""
    from rag.evaluation.provenance import file_record
    from rag.evaluation.records import squad_overall

    meta = result.setdefault("meta", {})
    meta["set"] = kind
    meta.setdefault("backend", meta.get("llm"))  # the report's "answered by"
    meta.setdefault("timestamp", datetime.now(timezone.utc).isoformat(timespec="seconds"))  # when written
    if result.get("provenance") is not None:
        result["provenance"]["dataset"] = [file_record(dataset)]
    result["overall"] = squad_overall(result)
    folder = new_run_dir(out_root, kind, str(meta.get("llm") or ""), str(meta.get("split") or "all"))
    return finish_run(result, folder)

"""Turn an `EvalResult` into files (JSON, Markdown, PNG chart) and a terminal table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.evaluation.runner import LOWER_IS_BETTER, TYPES, EvalResult

JSON_NAME, MD_NAME, PNG_NAME = "report.json", "report.md", "by_type.png"
# Metrics shown per type in tables and the chart, in this order.
TYPE_COLUMNS = (
    "n", "answer_match", "token_f1", "chrf", "hit@5", "mrr@10",
    "citation_precision", "citation_recall", "states_change", "correct_refusal_rate", "false_refusal_rate",
)  # fmt: skip
CHART_METRICS = ("answer_match", "hit@5", "mrr@10", "citation_recall", "correct_refusal_rate")


def result_to_dict(result: EvalResult) -> dict[str, Any]:
    """The JSON document written by `write_report` (without the comparison)."""
    return {
        "n_questions": result.n_questions,
        "overall": result.overall,
        "by_type": result.by_type,
        "meta": result.meta,
        "per_question": result.per_question,
    }


def load_report(path: str | Path) -> dict[str, Any]:
    """Read an earlier report: its JSON file, or the directory that holds ``report.json``."""
    path = Path(path)
    if path.is_dir():
        path = path / JSON_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    if "overall" not in data:
        raise ValueError(f"{path} is not an eval report (no 'overall' key)")
    return data


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


def _digits(name: str) -> int:
    return 0 if name in ("n", "errors") or name.endswith("_ms") else 3


def _fmt(name: str, value: Any, signed: bool = False) -> str:
    if value is None:
        return "–"
    if signed:
        value = round(value, _digits(name)) + 0.0  # + 0.0 turns -0.0 into 0.0
        return f"{value:+.{_digits(name)}f}"
    return f"{value:.{_digits(name)}f}"


def _verdict(row: dict[str, Any]) -> str:
    # Arrow shows whether the change is an improvement, which depends on the metric.
    d = row["delta"]
    # Changes below the displayed precision (e.g. 0.3 ms of latency jitter) are noise.
    if d is None or round(d, _digits(row["metric"])) == 0:
        return ""
    better = (d < 0) if row["metric"] in LOWER_IS_BETTER else (d > 0)
    return "better" if better else "worse"


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _judged(result: EvalResult) -> bool:
    return "faithfulness" in result.overall


def _type_columns(result: EvalResult) -> tuple[str, ...]:
    return TYPE_COLUMNS + (("faithfulness",) if _judged(result) else ())


def _tables(result: EvalResult, comparison: list[dict[str, Any]] | None) -> list[tuple]:
    """(title, header, rows) for the overall, per-type and diff tables."""
    overall = [[k, _fmt(k, v)] for k, v in result.overall.items()]
    types = [t for t in TYPES if t in result.by_type]
    columns = _type_columns(result)
    per_type = [[t] + [_fmt(c, result.by_type[t].get(c)) for c in columns] for t in types]
    tables = [
        ("Overall", ["metric", "value"], overall),
        ("By question type", ["type", *columns], per_type),
    ]
    if comparison is not None:
        diff = [
            [r["metric"], _fmt(r["metric"], r["previous"]), _fmt(r["metric"], r["now"]),
             _fmt(r["metric"], r["delta"], signed=True), _verdict(r)]
            for r in comparison
        ]  # fmt: skip
        header = ["metric", "previous", "now", "delta", ""]
        tables.append(("Compared with previous run", header, diff))
    return tables


def format_table(result: EvalResult, compare_to: str | Path | dict | None = None) -> str:
    """Plain-text tables for the terminal; with `compare_to` (a report dict, its JSON file
    or directory) a diff table is appended."""
    comparison = _comparison(result, compare_to)
    parts = [f"{title}\n{_text_table(h, rows)}" for title, h, rows in _tables(result, comparison)]
    split = result.meta.get("split")
    head = [f"Split: {split} ({result.n_questions} questions from {result.meta.get('questions', '?')})"] if split else []
    return "\n\n".join(head + parts)


def _comparison(result: EvalResult, compare_to: str | Path | dict | None) -> list | None:
    if compare_to is None:
        return None
    previous = compare_to if isinstance(compare_to, dict) else load_report(compare_to)
    return compare(previous, result_to_dict(result))


def _markdown(result: EvalResult, comparison: list | None) -> str:
    meta = "\n".join(f"- **{k}**: `{v}`" for k, v in result.meta.items())
    split = result.meta.get("split")
    lines = [f"# Eval report — {result.n_questions} questions" + (f", split {split}" if split else ""), "", meta, ""]
    for title, header, rows in _tables(result, comparison):
        lines += [f"## {title}", "", _md_table(header, rows), ""]
    lines += [f"![scores by type]({PNG_NAME})", "", "## Misses", ""]
    misses = [
        r for r in result.per_question
        if (r["answerable"] and not r["answer_match"]) or (not r["answerable"] and not r["refused"])
    ]  # fmt: skip
    for r in misses:
        answer = " ".join(r["answer"].split())[:240].replace("|", "\\|")
        why = "refused" if r["refused"] else ("answered" if not r["answerable"] else "no match")
        lines.append(f"- `{r['id']}` ({why}) {r['question']}  ")
        lines.append(f"  gold: {r['gold']} — got: {answer!r}")
    if not misses:
        lines.append("None.")
    faithfulness = (
        f"faithfulness: share of answer claims the cited passages support, judged by "
        f"`{result.meta.get('judge')}`; refusals are skipped, judge errors count in judge_errors."
        if _judged(result) else "Not measured: faithfulness (needs an LLM judge, `--judge NAME`)."
    )
    lines += [
        "",
        f"_{faithfulness} citation_* metrics cover answered,"
        " answerable questions; unanswerable ones count only in the refusal rates._",
        "",
    ]
    return "\n".join(lines)


def _chart(result: EvalResult, path: Path) -> None:
    # Figure + Agg canvas directly: no pyplot, so no global backend switch or GUI window.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    types = [t for t in TYPES if t in result.by_type]
    fig = Figure(figsize=(max(6.0, 1.6 * len(types) + 2), 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    metrics = CHART_METRICS + (("faithfulness",) if _judged(result) else ())
    width = 0.8 / len(metrics)
    for j, metric in enumerate(metrics):
        values = [result.by_type[t].get(metric) for t in types]
        xs = [i + (j - (len(metrics) - 1) / 2) * width for i in range(len(types))]
        # Undefined metrics (e.g. answer_match for unanswerable) are left out, not drawn as 0.
        pts = [(x, v) for x, v in zip(xs, values) if v is not None]
        if pts:
            ax.bar([p[0] for p in pts], [p[1] for p in pts], width, label=metric)
    ax.set_xticks(range(len(types)))
    ax.set_xticklabels([f"{t}\n(n={result.by_type[t]['n']})" for t in types], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"Scores by question type ({result.meta.get('backend', '')})")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    fig.savefig(path)


def write_report(
    result: EvalResult,
    out_dir: str | Path,
    compare_to: str | Path | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``by_type.png`` into `out_dir`.

    `compare_to` is an earlier ``report.json`` (or its directory); the diff goes into the
    JSON (``comparison``) and the Markdown. `meta` entries (e.g. settings) are added to
    ``result.meta``. Returns ``{"json": ..., "markdown": ..., "chart": ...}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if meta:
        result.meta.update(meta)
    comparison = _comparison(result, compare_to)
    data = result_to_dict(result)
    data["comparison"] = comparison
    paths = {"json": out / JSON_NAME, "markdown": out / MD_NAME, "chart": out / PNG_NAME}
    paths["json"].write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    paths["markdown"].write_text(_markdown(result, comparison), encoding="utf-8")
    _chart(result, paths["chart"])
    return paths

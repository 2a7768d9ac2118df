"""Turn an `EvalResult` into files (JSON, HTML, Markdown, PNG chart) and a terminal table.

report.json and report.html (with the comparison to the previous run) are written by
`rag.evaluation.runs.finish_run`, the same for every kind of run; this module adds what is
particular to an eval set: the Markdown report, its PNG chart and the terminal tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.evaluation import glossary
from rag.evaluation.glossary import digits, fmt
from rag.evaluation.runner import LOWER_IS_BETTER, REPORT_TYPES, EvalResult
from rag.evaluation.runs import HTML_NAME, JSON_NAME, change_summary, compare, finish_run

MD_NAME, PNG_NAME = "report.md", "by_type.png"
# Metrics shown per type in tables and the chart, in this order.
TYPE_COLUMNS = (
    "n", "answer_match", "token_f1", "chrf", "hit@5", "mrr@10",
    "citation_precision", "citation_recall", "states_change", "correct_refusal_rate", "false_refusal_rate",
)  # fmt: skip
CHART_METRICS = ("answer_match", "hit@5", "mrr@10", "citation_recall", "correct_refusal_rate")
__all__ = ["HTML_NAME", "JSON_NAME", "change_summary", "compare", "format_table", "load_report", "result_to_dict",
           "write_report"]


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


def _verdict(row: dict[str, Any]) -> str:
    # Arrow shows whether the change is an improvement, which depends on the metric.
    d = row["delta"]
    # Changes below the displayed precision (e.g. 0.3 ms of latency jitter) are noise.
    if d is None or round(d, digits(row["metric"])) == 0:
        return ""
    lower = row["metric"] in LOWER_IS_BETTER or glossary.lower_is_better(row["metric"])
    better = (d < 0) if lower else (d > 0)
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
    overall = [[k, fmt(k, v)] for k, v in result.overall.items()]
    types = [t for t in REPORT_TYPES if t in result.by_type]
    columns = _type_columns(result)
    per_type = [[t] + [fmt(c, result.by_type[t].get(c)) for c in columns] for t in types]
    tables = [
        ("Overall", ["metric", "value"], overall),
        ("By question type", ["type", *columns], per_type),
    ]
    if comparison is not None:
        diff = [
            [r["metric"], fmt(r["metric"], r["previous"]), fmt(r["metric"], r["now"]),
             fmt(r["metric"], r["delta"], signed=True), _verdict(r)]
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


def _markdown(result: EvalResult, data: dict[str, Any]) -> str:
    comparison = data.get("comparison")
    meta = "\n".join(f"- **{k}**: `{v}`" for k, v in result.meta.items())
    split = result.meta.get("split")
    lines = [f"# Eval report — {result.n_questions} questions" + (f", split {split}" if split else ""), "",
             f"The full report, with the charts, misses, provenance and glossary: [{HTML_NAME}]({HTML_NAME}).", "",
             meta, "", change_summary(data), ""]
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
        "## Glossary",
        "",
    ]
    lines += [f"- `{g['metric']}`: {g['what']} ({g['direction']})" for g in glossary.lines(result.overall)]
    return "\n".join(lines) + "\n"


def _chart(result: EvalResult, path: Path) -> None:
    from rag.evaluation import charts

    types = {t: result.by_type[t] for t in REPORT_TYPES if t in result.by_type}
    metrics = CHART_METRICS + (("faithfulness",) if _judged(result) else ())
    fig = charts.bars(types, metrics, f"Scores by question type ({result.meta.get('backend', '')})",
                      group_label=lambda t, values: f"{t}\n(n={values['n']})")
    fig.savefig(path)


def write_report(
    result: EvalResult,
    out_dir: str | Path,
    compare_to: str | Path | None = None,
    meta: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``report.json``, ``report.html``, ``report.md`` and ``by_type.png`` into `out_dir`.

    The run is compared with `compare_to` (an earlier run folder or its ``report.json``),
    else with the newest earlier run of the same set and split beside `out_dir`
    (`rag.evaluation.runs`). `meta` entries are added to ``result.meta``; `provenance`
    (`rag.evaluation.provenance.collect`) is recorded as is. Returns the paths
    ``{"json", "html", "markdown", "chart"}`` and ``"report"``: the dict written as JSON.
    """
    out = Path(out_dir)
    if meta:
        result.meta.update(meta)
    data = result_to_dict(result)
    data["provenance"] = provenance
    paths: dict[str, Any] = finish_run(data, out, compare_to)
    paths.update(markdown=out / MD_NAME, chart=out / PNG_NAME, report=data)
    paths["markdown"].write_text(_markdown(result, data), encoding="utf-8")
    _chart(result, paths["chart"])
    return paths

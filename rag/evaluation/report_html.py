"""report.html: one self-contained page rendered from a report dict (what report.json holds).

Charts are inline SVG drawn by matplotlib (rag/evaluation/charts.py); the page loads nothing
from anywhere and runs no script, so it opens from disk, in a mail, or embedded in the UI.
The comparison with the previous run comes first, then the headline numbers with their
split, the charts, every metric (keys this module does not know are shown as they are),
the misses with the passages they rest on, the provenance and the glossary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.evaluation import charts, glossary
from rag.evaluation.calibration import reliability
from rag.evaluation.metrics import percentile
from rag.evaluation.records import MISSES, is_squad, records

HEADLINE = ("answer_match", "correct_refusal_rate", "false_refusal_rate", "citation_precision",
            "hit@5", "mrr@10", "latency_p50_ms")
HEADLINE_SQUAD = ("hybrid hit@5", "hybrid mrr@10", "answers contained", "answers refused",
                  "unanswerable refused")
BAR_METRICS = ("answer_match", "hit@5", "mrr@10", "citation_recall", "correct_refusal_rate")
RETRIEVAL_METRICS = ("hit@1", "hit@5", "mrr@10")
TEMPLATES = Path(__file__).parent / "templates"


def _metric(name: str, value: Any) -> dict[str, Any]:
    entry = glossary.describe(name)
    return {"metric": name, "value": glossary.fmt(name, value),
            "label": glossary.breakable(name),  # long names wrap in narrow cards
            "direction": entry[1] if entry else "", "what": entry[0] if entry else ""}


def _title(report: dict[str, Any]) -> str:
    meta = report.get("meta") or {}
    name = meta.get("set") or "eval"
    if is_squad(report) and meta.get("dataset"):
        name = f"{name} ({Path(str(meta['dataset'])).name})"
    return f"Eval report: {name}, {meta.get('split', 'all')} split"


def _groups(report: dict[str, Any]) -> tuple[dict, tuple, str]:
    """(groups, metrics, title) of the bar chart: by question type, or by retrieval mode."""
    if is_squad(report):
        return dict(report.get("retrieval") or {}), RETRIEVAL_METRICS, "Retrieval by mode"
    judged = "faithfulness" in (report.get("overall") or {})
    return (dict(report.get("by_type") or {}), BAR_METRICS + (("faithfulness",) if judged else ()),
            "Scores by question type")


def _tables(report: dict[str, Any]) -> list[dict[str, Any]]:
    overall = report.get("overall") or {}
    tables = [{"title": "Every metric", "header": ["metric", "value"],
               "rows": [[k, glossary.fmt(k, v)] for k, v in overall.items()]}]
    groups, _, title = _groups(report)
    if groups:
        columns = list(dict.fromkeys(c for g in groups.values() for c in g))
        label = "mode" if is_squad(report) else "type"
        tables.append({"title": title, "header": [label, *columns],
                       "rows": [[g] + [glossary.fmt(c, v.get(c)) for c in columns] for g, v in groups.items()]})
    return tables


def _miss(r: dict[str, Any]) -> dict[str, Any]:
    gold = r.get("gold")
    return {"id": r["id"], "type": r.get("type"), "outcome": r["outcome"], "question": r.get("question"),
            "gold": ", ".join(map(str, gold)) if isinstance(gold, list) else (gold or "–"),
            "answer": " ".join(str(r.get("answer") or "").split()) or "–",
            "citations": r.get("citations") or [], "top": r.get("top_passage"), "error": r.get("error")}


def _provenance(report: dict[str, Any]) -> list[tuple[str, str]]:
    p, meta = report.get("provenance") or {}, report.get("meta") or {}
    if not p:
        return [("provenance", "not recorded (a report from before it was)")]

    def file_text(record) -> str:
        return f"{record['path']} (sha256 {str(record.get('sha256'))[:16]}…)" if record else "–"

    emb, code, backend = p.get("embedder") or {}, p.get("code"), p.get("backend") or {}
    chunking = p.get("chunking") or {}
    rows = [
        ("index_version", f"{p.get('index_version')} (built {p.get('index_built_at')}; data sha256 "
                          f"{str(p.get('index_sha256'))[:16]}…; embedder {p.get('index_embedder')}; chunking "
                          f"{chunking.get('chunker')} {chunking.get('chunk_size')}/{chunking.get('chunk_overlap')})"),
        ("corpus_sha256", f"{p.get('corpus_sha256')} ({p.get('n_documents')} documents)"),
        ("embedder", f"{emb.get('backend')} {emb.get('model_id')} (build precision {emb.get('precision')}); "
                     f"file {file_text(emb.get('file'))}"),
        ("reader_params", file_text(p.get("reader_params"))),
        ("backend", f"{backend.get('name')}" + (f", model {backend['model']}" if backend.get("model") else "")
                    + f"; answered by: {meta.get('backend', '?')}"),
        ("code", (f"{code['commit']}" + (" with uncommitted changes" if code.get("dirty") else ""))
                 if code else "not run from a git checkout"),
    ]
    rows += [("dataset", file_text(d)) for d in p.get("dataset") or []]
    if p.get("index_version_end") and p["index_version_end"] != p.get("index_version"):
        rows.append(("index changed during the run", f"ended on version {p['index_version_end']}"))
    rows.append(("run", f"{meta.get('timestamp')}, {meta.get('duration_s', '?')} s"))
    return rows


def view(report: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, as plain values (no chart drawn yet)."""
    overall = report.get("overall") or {}
    recs = records(report)
    headline = [_metric(k, overall[k]) for k in (HEADLINE_SQUAD if is_squad(report) else HEADLINE)
                if overall.get(k) is not None]
    groups, metrics, _ = _groups(report)
    comparison = [dict(row, previous=glossary.fmt(row["metric"], row["previous"]),
                       now=glossary.fmt(row["metric"], row["now"]),
                       delta=glossary.fmt(row["metric"], row["delta"], signed=True),
                       verdict=_verdict(row)) for row in report.get("comparison") or []]
    latencies = [float(r["latency_ms"]) for r in recs if isinstance(r.get("latency_ms"), (int, float))]
    names = list(overall) + [c for g in groups.values() for c in g]
    return {
        "title": _title(report), "meta": report.get("meta") or {}, "n": report.get("n_questions"),
        "previous": report.get("previous"), "changed": report.get("changed"),
        "questions": report.get("questions") or {}, "causes": report.get("likely_causes") or [],
        "comparison": comparison, "headline": headline, "groups": groups, "bar_metrics": metrics,
        "tables": _tables(report), "latencies": latencies, "calibration": reliability(recs),
        "misses": [_miss(r) for r in recs if r["outcome"] in MISSES and r.get("question")],
        "provenance": _provenance(report), "glossary": glossary.lines(names),
    }


def _verdict(row: dict[str, Any]) -> str:
    d = row["delta"]
    if d is None or round(d, glossary.digits(row["metric"])) == 0:
        return ""  # below the displayed precision (e.g. latency jitter) is noise
    return "better" if (d < 0) == glossary.lower_is_better(row["metric"]) else "worse"


def _charts(v: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {"bars": None, "reliability": None, "latency": None}
    if v["groups"]:
        label = (lambda name, values: f"{name}\n(n={values['n']})" if "n" in values else name)
        out["bars"] = charts.svg(charts.bars(v["groups"], v["bar_metrics"], "", group_label=label))
    if v["calibration"]:
        out["reliability"] = charts.svg(charts.reliability(v["calibration"]))
    if v["latencies"]:
        out["latency"] = charts.svg(charts.latency_histogram(
            v["latencies"], percentile(v["latencies"], 50), percentile(v["latencies"], 95)))
    return out


def render(report: dict[str, Any]) -> str:
    """The whole page for a report dict."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    v = view(report)
    return env.get_template("report.html").render(v=v, charts=_charts(v))

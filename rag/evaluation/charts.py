"""The report's charts, drawn with matplotlib: grouped bars, a reliability diagram and a
latency histogram. Each returns a `Figure`; `svg(fig)` inlines it in report.html and
`Figure.savefig` writes the PNG of report.md.

Figure + Agg canvas directly: no pyplot, so no global backend switch or GUI window.
"""

from __future__ import annotations

import io
import re
from typing import Any


def _figure(width: float, height: float, layout: str | None = None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def svg(fig) -> str:
    """The figure as an inline <svg> element: text kept as text (small, selectable), no
    date or random ids, so one report renders to the same bytes twice."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "rag-eval-report"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype: inline SVG needs neither
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)  # RDF names, no content


def bars(groups: dict[str, dict[str, Any]], metrics: tuple[str, ...], title: str,
         group_label=lambda name, values: name):
    """Grouped horizontal bars: one group per key of `groups` (top to bottom), one bar per
    metric, labelled with its value; an undefined metric (None, e.g. answer_match of
    unanswerable questions) is left out, not drawn as 0. Horizontal, so that the labels stay
    legible when the page is 400 px wide."""
    names = list(groups)
    height = 0.8 / max(1, len(metrics))
    fig = _figure(6.4, 1.2 + (0.12 * max(1, len(metrics)) + 0.2) * len(names), "constrained")
    ax = fig.add_subplot(1, 1, 1)
    for j, metric in enumerate(metrics):
        ys = [i + (j - (len(metrics) - 1) / 2) * height for i in range(len(names))]
        pts = [(y, groups[n].get(metric)) for y, n in zip(ys, names) if groups[n].get(metric) is not None]
        if pts:
            drawn = ax.barh([p[0] for p in pts], [p[1] for p in pts], height, label=metric)
            ax.bar_label(drawn, fmt="%.2f", fontsize=8, padding=2)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([group_label(n, groups[n]) for n in names], fontsize=10)
    ax.invert_yaxis()  # the first group on top
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("score")
    if title:
        ax.set_title(title, fontsize=10)
    fig.legend(fontsize=9, ncol=3, loc="outside lower center")
    return fig


def reliability(table: dict[str, Any]):
    """The reliability diagram of `rag.evaluation.calibration.reliability`'s table: the share
    right against the mean probability of being right per bin, the diagonal for perfect
    calibration, and below it how many responses fall in each bin."""
    fig = _figure(5.2, 5.2)
    top = fig.add_axes((0.13, 0.36, 0.82, 0.56))
    low = fig.add_axes((0.13, 0.1, 0.82, 0.16), sharex=top)
    bins = table["bins"]
    width = bins[0]["hi"] - bins[0]["lo"]
    top.plot([0, 1], [0, 1], linestyle="--", color="0.5", label="perfectly calibrated")
    top.bar([b["lo"] for b in bins], [b["accuracy"] for b in bins], width, align="edge",
            alpha=0.35, edgecolor="C0", label="share right")
    top.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", color="C0",
             label="mean probability → share right")
    top.set_xlim(0, 1)
    top.set_ylim(0, 1.02)
    top.set_ylabel("share of responses right")
    top.set_title(f"Reliability of the answer confidence (n={table['n']}, ECE {table['ece']:.3f})",
                  fontsize=9)
    top.legend(fontsize=7, loc="upper left")
    top.tick_params(labelbottom=False)
    low.bar([b["lo"] for b in bins], [b["n"] for b in bins], width, align="edge", color="C1")
    low.set_ylabel("responses", fontsize=8)
    low.set_xlabel("probability of being right")
    return fig


def latency_histogram(latencies_ms: list[float], p50: float | None, p95: float | None):
    """Time per question; the median and the 95th percentile marked."""
    fig = _figure(6.0, 3.4)
    ax = fig.add_subplot(1, 1, 1)
    ax.hist(latencies_ms, bins=min(30, max(5, len(latencies_ms) // 3)), color="C2", alpha=0.8)
    for value, label, style in ((p50, "p50", "-"), (p95, "p95", "--")):
        if value is not None:
            ax.axvline(value, color="0.2", linestyle=style, label=f"{label} {value:.0f} ms")
    ax.set_xlabel("time per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title(f"Latency ({len(latencies_ms)} questions)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig

"""Plain functions behind the UI's settings, status and index events, and its API endpoint;
the chat's are in `rag.ui.chat`, the library's in `rag.ui.library`.

Every library failure (`RagError`) becomes a readable `gr.Error`/`gr.Warning`; anything
else is a bug and is left to Gradio, which shows a generic error without the traceback.
Gradio renders error/warning messages as HTML, so they are escaped like passages are.
"""

from __future__ import annotations

import html
from typing import Any, Callable

import gradio as gr

from rag.assistant import Assistant
from rag.core.errors import IndexMissingError, RagError

EXAMPLES = [
    "Welchen Anteil an OpenAI soll Microsoft erhalten haben?",
    "Ist Microsoft heute noch exklusiver Cloud-Anbieter von OpenAI?",
    "How much did Microsoft invest in OpenAI in 2019?",
]
MODES = ["hybrid", "dense", "bm25"]


def ui_error(exc: Exception) -> gr.Error:
    # print_exception=False: a RagError is the user's to fix, not a server-side bug.
    return gr.Error(html.escape(str(exc)), print_exception=False)


def api_ask(assistant: Assistant, question: str, k: int | None = None, mode: str | None = None,
            backend: str | None = None, since: str | None = None, until: str | None = None,
            as_of: str | None = None) -> dict[str, Any]:
    """The programmatic endpoint: one question in, the `Answer.to_json()` contract out."""
    try:
        return assistant.pool_for(backend or None).submit(
            assistant.ask, question, k=int(k) if k else None, mode=mode or None, llm=backend or None,
            since=since or None, until=until or None, as_of=as_of or None).result().to_json()
    except RagError as exc:
        raise ui_error(exc) from None


# -- settings panel ---------------------------------------------------------------------------
def backend_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, value) pairs: usable backends first; unusable ones say so and error when used."""
    rows = assistant.backends()
    usable = [(r["name"], r["name"]) for r in rows if r["usable"]]
    unusable = [(f"{r['name']} (unavailable)", r["name"]) for r in rows if not r["usable"]]
    return usable + unusable


def backends_markdown(assistant: Assistant) -> str:
    lines = ["| backend | status |", "|---|---|"]
    for r in assistant.backends():
        state = r["description"] if r["usable"] else f"unavailable — {r['reason']}"
        lines.append(f"| `{r['name']}` | {html.escape(state).replace('|', '&#124;')} |")
    return "\n".join(lines)


# -- documents tab ----------------------------------------------------------------------------
def status_markdown(assistant: Assistant) -> str:
    """Index status for the Documents tab; a missing index is a state, not an error here."""
    try:
        s = assistant.status()
    except IndexMissingError:
        return "**No index yet.** Run `rag index` (or upload documents and press *Rebuild index*)."
    except RagError as exc:
        return f"**Index problem:** {html.escape(str(exc))}"
    return (f"**{s['documents']}** documents · **{s['chunks']}** chunks · embedder "
            f"`{s['embedder']}` · built {s['built_at']} · version `{s['version']}`")


def caps_text(limits) -> str:
    """The per-type size caps, for the upload label."""
    return (f"text {limits.max_text_mb:g} MB, HTML {limits.max_html_mb:g} MB, PDF {limits.max_pdf_mb:g} MB "
            f"and {limits.max_pdf_pages} pages, DOCX {limits.max_docx_mb:g} MB")


def _names(files: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"`{html.escape(f)}`" for f in files[:limit])
    return shown + (" …" if len(files) > limit else "")


def report_markdown(report) -> str:
    lines = []
    if report.full_rebuild and report.reason:
        lines.append(f"Full build ({html.escape(report.reason)}).")
    for key, files in report.summary().items():
        lines.append(f"- **{key}**: {len(files)} {_names(files)}")
    for source, reason in report.skipped:
        lines.append(f"- skipped `{html.escape(source)}`: {html.escape(reason)}")
    lines.append(f"\nEmbedded {report.embedded_chunks} chunks; index has {report.total_chunks} "
                 f"chunks (version `{report.version}`) in {report.seconds:.1f} s.")
    return "\n".join(lines)


def rebuild(assistant: Assistant, force: bool = False,
            progress: Callable[..., Any] | None = None) -> tuple[str, str]:
    """Run the incremental (or forced) rebuild; returns (report, status) Markdown.

    No lock is taken here: the Assistant keeps answering from the live index version and
    switches when the new one is published.
    """
    def report_progress(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, desc=message)

    try:
        report = assistant.rebuild(force=bool(force), progress=report_progress)
    except RagError as exc:
        raise ui_error(exc) from None
    return report_markdown(report), status_markdown(assistant)

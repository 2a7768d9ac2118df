"""The document library's events as plain functions (`app.py` wires them, tests call them):
the table, a document's preview, deleting, uploading (indexed at once) and the choices of
the chat's "ask only these documents" filter.

Uploads arrive one file at a time (rag/ui/style.py, UPLOAD_JS) and are checked one by one on
the server (`rag.ui.uploads`), so one bad, unsupported or oversized file never stops the
others: the rest is saved and indexed, and the bad one is named with its reason. The browser
is not asked to filter by type, since it rejects a whole batch.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Callable

import gradio as gr
from gradio.utils import get_upload_folder  # where Gradio's /upload writes (GRADIO_TEMP_DIR)

from rag.assistant import Assistant
from rag.core.errors import RagError
from rag.ui import handlers
from rag.ui.render_library import document_html, documents_html
from rag.ui.uploads import UploadResult, save_upload

Progress = Callable[..., Any]
SEARCHABLE = ("indexed", "changed", "deleted", "imported")  # states whose chunks are in the index


def rows(assistant: Assistant) -> list[dict]:
    try:
        return [d.to_json() for d in assistant.documents()]
    except RagError as exc:  # a broken index: the status line says why
        gr.Warning(html.escape(str(exc)))
        return []


def table(assistant: Assistant, checked: list | None = None, previewed: str | None = None) -> str:
    return documents_html(rows(assistant), checked or (), previewed)


def source_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, source) of every document a question can be narrowed to: those in the index."""
    out = []
    for r in rows(assistant):
        if r["state"] in SEARCHABLE and r["state"] != "deleted":
            out.append((f"{r.get('title') or r['source']} ({r['source']})", r["source"]))
    return out


def choices_update(assistant: Assistant, value: list | None = None) -> Any:
    choices = source_choices(assistant)
    known = {s for _, s in choices}
    return gr.Dropdown(choices=choices, value=[s for s in (value or []) if s in known])


def preview(assistant: Assistant, source: str | None) -> str:
    """The whole text of `source` with its chunks (the library's preview)."""
    if not source:
        return '<p class="rag-empty">Dokument anklicken für die Vorschau. / Click a document to preview it.</p>'
    try:
        return document_html(assistant.document(source).to_json())
    except RagError as exc:
        return f'<p class="rag-empty">{html.escape(str(exc))}</p>'


def table_event(assistant: Assistant, data: dict, checked: list | None, previewed: str | None,
                ) -> tuple[list, str, str, Any]:
    """A click in the table: `{"action": "preview", "source": s}` opens a preview, `{"action":
    "pick", "sources": [...]}` is the checked set. Returns (checked, previewed, preview, delete
    button)."""
    if data.get("action") == "pick":
        return list(data.get("sources") or []), previewed, gr.skip(), gr.skip()
    source = data.get("source") or ""
    return list(checked or []), source, preview(assistant, source), gr.Button(interactive=bool(source))


def _rebuild(assistant: Assistant, progress: Progress | None):
    def report_progress(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, desc=message)

    return assistant.rebuild(progress=report_progress)


def delete(assistant: Assistant, source: str | None, progress: Progress | None = None) -> str:
    """Delete `source` from the library and the index at once; returns a Markdown report."""
    if not source:
        return "_Kein Dokument gewählt. / No document selected._"
    try:
        assistant.delete_document(source)
        report = _rebuild(assistant, progress)
    except RagError as exc:
        gr.Warning(html.escape(str(exc)))
        return f"**Nicht gelöscht / not deleted:** {html.escape(str(exc))}"
    gone = source in report.removed
    return (f"Gelöscht / deleted `{html.escape(source)}`" + (" and removed from the index" if gone else "")
            + f"; the index has {report.total_chunks} chunks.")


def _line(r: UploadResult, chunks: dict[str, int], skipped: dict[str, str]) -> str:
    name = html.escape(r.original)
    if r.status == "rejected":
        return f"- ✖ **{name}** nicht indexiert / not indexed: {html.escape(r.message.split(' — ', 1)[-1])}"
    if r.status == "duplicate":
        return f"- = {html.escape(r.message)}"
    if r.name in skipped:
        return f"- ✖ **{name}** nicht indexiert / not indexed: {html.escape(skipped[r.name])}"
    saved = f" as `{html.escape(r.name)}`" if r.name != r.original else ""
    if r.name in chunks:
        n = chunks[r.name]
        return f"- ✔ **{name}** indexed{saved} ({n} chunk{'' if n == 1 else 's'})"
    return f"- ✔ **{name}** saved{saved}; press *Rebuild index* to index it"


def received(paths: list | None) -> tuple[list[Path], list[UploadResult]]:
    """The files the page says it uploaded, kept only when they lie in Gradio's upload folder
    (the page is not trusted: a path elsewhere on the server is refused, never read)."""
    root = Path(get_upload_folder()).resolve()
    kept, refused = [], []
    for p in paths or []:
        path = Path(str(p)).resolve()
        if path.is_relative_to(root) and path.is_file():
            kept.append(path)
        else:
            refused.append(UploadResult(path.name, "rejected", None, f"{path.name}: rejected — not an upload"))
    return kept, refused


def too_large(assistant: Assistant, refused: list | None) -> list[UploadResult]:
    """Files the page did not send ({name, size, error?}, display only): over the upload limit,
    or refused by the server."""
    cap = assistant.settings.ui.max_upload_mb
    out = []
    for r in refused or []:
        name, size = str(r.get("name", "?")), float(r.get("size") or 0)
        mb = f"{size / 1048576:.1f}" if size >= 1048576 else f"{size / 1048576:.2g}"
        why = (f"too large: {mb} MB, over the {cap:g} MB upload limit (RAG_UI__MAX_UPLOAD_MB)"
               if size > cap * 1048576 or not r.get("error") else f"the upload failed ({r['error']})")
        out.append(UploadResult(name, "rejected", None, f"{name}: rejected — {why}"))
    return out


def upload(assistant: Assistant, files: list | None, progress: Progress | None = None,
           refused: list[UploadResult] = ()) -> str:
    """Save each uploaded file (each checked alone), then index the saved ones at once.
    `refused` are files that never arrived (too large). Returns a Markdown report that names
    every file and what became of it."""
    if not files and not refused:
        return "_Keine Dateien gewählt. / No files selected._"
    ui = assistant.settings.ui
    results = []
    for i, f in enumerate(files or []):
        if progress is not None:
            progress(i / max(len(files), 1) * 0.1, desc=f"checking {Path(str(f)).name}")
        results.append(save_upload(f, assistant.settings.paths.seeds_dir, assistant.settings.ingest,
                                   ui.max_upload_mb))
    results += list(refused)
    for r in results:
        if r.status == "rejected":
            gr.Warning(html.escape(r.message))
    chunks: dict[str, int] = {}
    skipped: dict[str, str] = {}
    tail = ""
    if any(r.status in ("saved", "renamed") for r in results):
        try:
            report = _rebuild(assistant, progress)
            skipped = dict(report.skipped)
            chunks = {d["source"]: d["chunks"] for d in rows(assistant) if d["chunks"]}
            tail = f"\n\nIndex: {report.total_chunks} chunks, built in {report.seconds:.1f} s."
        except RagError as exc:
            tail = f"\n\n**Indexing failed:** {html.escape(str(exc))}"
    return "\n".join(_line(r, chunks, skipped) for r in results) + tail


def rebuild(assistant: Assistant, force: bool = False, progress: Progress | None = None) -> str:
    """The explicit (incremental or full) rebuild; returns its Markdown report."""
    return handlers.rebuild(assistant, force, progress)[0]

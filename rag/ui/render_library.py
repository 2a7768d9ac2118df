"""Pure functions for the HTML around the chat: the saved-conversations list, the document
library's table, and a whole document with its chunks and highlighted spans (the library's
preview and the source viewer). Every piece of document or user text is escaped here.

The clickable parts carry `data-` attributes that the components' `js_on_load` (rag/ui/js.py)
turns into events: a conversation's id, a document's source.
"""

from __future__ import annotations

from typing import Any, Iterable

from rag.text.dates import display_date
from rag.ui.render import block, esc, merge_ranges

STATES = {
    "indexed": "indexed",
    "new": "new: not indexed yet",
    "changed": "changed: re-indexed with the next rebuild",
    "deleted": "deleted: leaves the index with the next rebuild",
    "imported": "indexed (CSV/JSONL row)",
}
PROVENANCE = {
    "user": "set by the user",
    "marker": "date line in the text",
    "metadata": "file metadata",
    "dateline": "dateline in the text",
    "inferred": "inferred: not before",
}


def day(stamp: str | None) -> str:
    """"2026-12-07T10:31:02.123+00:00" -> "2026-12-07 10:31" (the list's date)."""
    return (stamp or "")[:16].replace("T", " ")


def conversations_html(conversations: Iterable[Any], active: str | None) -> str:
    """The sidebar's saved conversations, newest first: title (the first question) and date."""
    items = []
    for c in conversations:
        current = ' aria-current="true"' if c.id == active else ""
        items.append(f'<li><button type="button" class="rag-conv" data-id="{esc(c.id)}"{current} '
                     f'title="{esc(c.title)}"><span class="rag-conv-title">{esc(c.title)}</span>'
                     f'<small>{esc(day(c.updated))} · {int(c.turns)}</small></button></li>')
    if not items:
        return '<p class="rag-empty">Noch keine Gespräche. / No saved chats yet.</p>'
    return f'<ul class="rag-convs">{"".join(items)}</ul>'


def date_cell(row: dict) -> str:
    date = display_date(row.get("date"), row.get("date_source"))
    if not date:
        return "—"
    how = PROVENANCE.get(row.get("date_source") or "", row.get("date_source") or "")
    return f'{esc(date)}<br><small>{esc(how)}</small>' if how else esc(date)


def documents_html(rows: Iterable[dict], checked: Iterable[str] = (), previewed: str | None = None) -> str:
    """The library: a row per document with a checkbox ("ask only these"), its title (opens
    the preview), date and provenance, format, chunks and state."""
    checked = set(checked)
    body = []
    for r in rows:
        src = r["source"]
        box = (f'<input type="checkbox" class="rag-pick" data-source="{esc(src)}" aria-label="{esc(src)}"'
               f'{" checked" if src in checked else ""}{" disabled" if r.get("state") == "deleted" else ""}>')
        current = ' aria-current="true"' if src == previewed else ""
        title = (f'<button type="button" class="rag-doc" data-source="{esc(src)}"{current}>'
                 f'{esc(r.get("title") or src)}</button><br><small>{esc(src)}</small>')
        state = r.get("state") or ""
        body.append(f'<tr class="rag-state-{esc(state)}"><td>{box}</td><td>{title}</td><td>{date_cell(r)}</td>'
                    f'<td>{esc(r.get("format") or "—")}</td><td class="rag-num">{int(r.get("chunks") or 0)}</td>'
                    f'<td>{esc(STATES.get(state, state))}</td></tr>')
    if not body:
        return '<p class="rag-empty">Keine Dokumente. / No documents yet: upload some below.</p>'
    head = ("<thead><tr><th></th><th>Titel / title</th><th>Datum / date</th><th>Format</th>"
            "<th>Chunks</th><th>Status</th></tr></thead>")
    return f'<div class="rag-table-wrap"><table class="rag-docs">{head}<tbody>{"".join(body)}</tbody></table></div>'


def _cuts(length: int, chunk_starts: list[int], ranges: list[tuple[int, int]]) -> list[int]:
    points = {0, length, *chunk_starts}
    for s, e in ranges:
        points.update((s, e))
    return sorted(p for p in points if 0 <= p <= length)


def document_html(doc: dict, marks: Iterable[tuple[int, int]] = (), focus: Iterable[tuple[int, int]] = ()) -> str:
    """A whole document (`Assistant.document(source).to_json()`): a header with title, date
    and provenance, format and source; then its text, each chunk opening with a numbered
    badge (its offsets in the tooltip) and shaded apart from its neighbour, and `marks`
    (offsets into the text) highlighted; `focus`, a subset, is the one the view scrolls to."""
    text = doc.get("text") or ""
    chunks = sorted(doc.get("chunks") or (), key=lambda c: c["start"])
    ranges = merge_ranges(marks, len(text))
    focus = merge_ranges(focus, len(text))
    starts = {int(c["start"]): i for i, c in enumerate(chunks)}
    out, owner, first_focus = [], -1, True
    cuts = _cuts(len(text), list(starts), ranges)
    for a, b in zip(cuts, cuts[1:]):
        if a in starts:
            owner = starts[a]
            c = chunks[owner]
            pending = "" if c.get("indexed", True) else " (not indexed yet)"
            page = f", p. {c['page']}" if c.get("page") else ""
            out.append(f'<span class="rag-chunk-no" title="chunk {owner + 1}: {c["start"]}–{c["end"]}{page}'
                       f'{pending}">{owner + 1}</span>')
        piece = block(text[a:b])
        if any(s <= a and b <= e for s, e in ranges):
            in_focus = any(s <= a and b <= e for s, e in focus)
            attrs = ' class="rag-focus"' + (' id="rag-focus"' if in_focus and first_focus else "") if in_focus else ""
            first_focus = first_focus and not in_focus
            piece = f"<mark{attrs}>{piece}</mark>"
        shade = "rag-chunk-odd" if owner % 2 else "rag-chunk-even"
        out.append(f'<span class="{shade}">{piece}</span>' if owner >= 0 else piece)
    meta = " · ".join(p for p in (date_cell(doc).replace("<br>", " "), esc(doc.get("format")),
                                  esc(doc.get("source")), f"{len(chunks)} chunks") if p)
    note = f'<p class="rag-note">{esc(doc["note"])}</p>' if doc.get("note") else ""
    url = doc.get("url") or ""
    link = (f' · <a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(url)}</a>'
            if url.startswith(("http://", "https://")) else "")
    return (f'<div class="rag-doc-view"><h3>{esc(doc.get("title") or doc.get("source"))}</h3>'
            f'<p class="rag-doc-meta">{meta}{link}</p>{note}<div class="rag-doc-text">{"".join(out)}</div></div>')

"""Pure functions that turn an answer (its JSON contract, `Answer.to_json()`) into the HTML
shown in the chat. Live answers and answers reloaded from a saved conversation are the
same dict, so they look the same.

Passages and answers are untrusted text (scraped articles, LLM output), so every piece of
it is HTML-escaped here before any markup of ours is added around it. Each `[n]` marker
becomes a superscript link whose tooltip is the supporting passage text and whose target is
the source entry below the answer; the sources list only what the answer cites, each one a
collapsible block with every supporting span marked and a link that opens the whole document.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any, Iterable

from rag.text.dates import display_date

_MARKER = re.compile(r"\[(\d+)\]")

# What the status line says before each step of `Assistant.stream` ("searching" is the UI's
# own: it is shown before the question is sent).
STAGES = {
    "searching": "Suche in den Dokumenten … / searching the documents",
    "reading": "Lese die gefundenen Passagen … / reading the passages",
    "writing": "Formuliere die Antwort … / writing the answer",
    "checking": "Prüfe die Belege … / checking the citations",
}


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def block(text: str) -> str:
    # The chat renders Markdown around our HTML; a blank line would end the HTML block and
    # let Markdown re-interpret passage text, so newlines become <br> inside one block.
    return esc(text).replace("\r", "").replace("\n", "<br>")


def anchor_id(key: str, n: int) -> str:
    """Element id of source n; `key` keeps ids unique when several answers are on screen."""
    return f"src-{safe_key(key)}-{n}"


def safe_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", key) or "a"


def merge_ranges(ranges: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, clipped to 0..length, overlapping or touching ranges joined, empty ones dropped."""
    out: list[list[int]] = []
    for s, e in sorted((max(0, int(s)), min(length, int(e))) for s, e in ranges):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def marked(text: str, ranges: Iterable[tuple[int, int]], mark_attrs: str = "") -> str:
    """`text` escaped, with each range (offsets into `text`) wrapped in <mark>."""
    out, cursor = [], 0
    for s, e in merge_ranges(ranges, len(text)):
        out.append(f"{block(text[cursor:s])}<mark{mark_attrs}>{block(text[s:e])}</mark>")
        cursor = e
    out.append(block(text[cursor:]))
    return "".join(out)


def citation_spans(citation: dict) -> list[tuple[int, int]]:
    """Every supporting span of a citation (document offsets); answers saved before `spans`
    existed have only start/end."""
    spans = citation.get("spans") or [[citation["start"], citation["end"]]]
    return [(int(s), int(e)) for s, e in spans]


def passage_of(data: dict, citation: dict) -> dict | None:
    """The retrieved passage a citation points into (its chunk)."""
    return next((r for r in data.get("retrieved", ()) if r.get("chunk_id") == citation.get("chunk_id")), None)


def _passage_ranges(passage: dict, citation: dict) -> list[tuple[int, int]]:
    base, text = int(passage["start"]), passage["text"]
    ranges = [(s - base, e - base) for s, e in citation_spans(citation)]
    ok = [(s, e) for s, e in ranges if 0 <= s < e <= len(text)]
    if not ok and citation.get("text"):
        # Offsets disagree with the text (should not happen): locate the span by content.
        at = text.find(citation["text"])
        ok = [(at, at + len(citation["text"]))] if at >= 0 else []
    return ok


def meta_line(item: dict) -> str:
    """"≥ 2024-10 · file.txt · p. 2" for a citation, a retrieved passage or a document."""
    date = display_date(item.get("date"), item.get("date_source"))
    page = f"p. {item['page']}" if item.get("page") else None
    return " · ".join(esc(p) for p in (date, item.get("source"), page) if p)


def marker_html(citation: dict, key: str, tip: str) -> str:
    return (f'<sup class="rag-cite"><a href="#{anchor_id(key, citation["n"])}" '
            f'data-n="{int(citation["n"])}" title="{esc(tip)}">[{int(citation["n"])}]</a></sup>')


def answer_text_html(data: dict, key: str = "a") -> str:
    """The answer text, escaped, with each known [n] turned into a hoverable link."""
    by_n = {int(c["n"]): c for c in data.get("citations", ())}
    text = data.get("answer", "")
    out, cursor = [], 0
    for m in _MARKER.finditer(text):
        out.append(block(text[cursor:m.start()]))
        cit = by_n.get(int(m.group(1)))
        out.append(marker_html(cit, key, cit.get("text", "").strip()) if cit else esc(m.group(0)))
        cursor = m.end()
    out.append(block(text[cursor:]))
    return "".join(out)


def source_html(data: dict, citation: dict, key: str = "a") -> str:
    """One cited source: a collapsible block, its passage with every supporting span marked."""
    n = int(citation["n"])
    passage = passage_of(data, citation)
    if passage is not None:
        body = marked(passage["text"], _passage_ranges(passage, citation))
    else:
        body = f"<mark>{block(citation.get('text', ''))}</mark>"
    links = [f'<a class="rag-view" href="#view-{safe_key(key)}-{n}">Ganzes Dokument / whole document</a>']
    url = citation.get("url") or ""
    if url.startswith(("http://", "https://")):  # never a javascript: link
        links.append(f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(url)}</a>')
    return (f'<details class="rag-source" id="{anchor_id(key, n)}"><summary><span class="rag-n">[{n}]</span> '
            f'<strong>{esc(citation.get("title"))}</strong> <small>{meta_line(citation)}</small></summary>'
            f'<div class="rag-passage">{body}</div><div class="rag-links">{" · ".join(links)}</div></details>')


def sources_html(data: dict, key: str = "a") -> str:
    """The sources block: only the cited chunks, in marker order."""
    cits = sorted(data.get("citations", ()), key=lambda c: int(c["n"]))
    if not cits:
        return ""
    items = "".join(source_html(data, c, key) for c in cits)
    return f'<div class="rag-sources"><div class="rag-sources-head">Quellen / Sources</div>{items}</div>'


def notices_html(notices: Iterable[str]) -> str:
    counts = Counter(n for n in notices if n)
    if not counts:
        return ""
    lines = [("ⓘ " + esc(n) + (f" ({k}×)" if k > 1 else "")) for n, k in counts.items()]
    return '<div class="rag-notice"><small>' + "<br>".join(lines) + "</small></div>"


def low_confidence_html(data: dict, threshold: float | None, passages: int = 3) -> str:
    """A "low confidence" mark and the best passages, when an answer carries a calibrated
    `confidence` below `threshold`; nothing when it carries none, and nothing on a refusal
    (there a low confidence agrees with the refusal)."""
    confidence = data.get("confidence")
    if data.get("refused") or confidence is None or threshold is None or float(confidence) >= threshold:
        return ""
    best = []
    for hit in list(data.get("retrieved", ()))[:passages]:
        best.append(f'<details class="rag-best"><summary><strong>{esc(hit.get("title"))}</strong> '
                    f'<small>{meta_line(hit)}</small></summary>'
                    f'<div class="rag-passage">{block(hit.get("text", ""))}</div></details>')
    return (f'<div class="rag-low-confidence" role="note"><strong>⚠ Geringe Sicherheit / low confidence '
            f'({float(confidence):.0%})</strong>: bitte prüfen / please check the best passages:'
            + "".join(best) + "</div>")


def answer_html(data: dict, key: str = "a", *, low_confidence: float | None = None,
                best_passages: int = 3) -> str:
    """The complete chat message for a finished, verified answer (its JSON contract)."""
    if data.get("refused"):
        body = f'<div class="rag-refusal">{block(data.get("answer", ""))}</div>'
    else:
        body = f'<div class="rag-answer">{answer_text_html(data, key)}</div>'
    read_as = data.get("standalone_question")
    if read_as:  # a follow-up, as it was resolved against the conversation
        body = (f'<div class="rag-read-as"><small>↳ verstanden als / read as: „{esc(read_as)}“</small></div>'
                + body)
    parts = [body, low_confidence_html(data, low_confidence, best_passages), notices_html(data.get("notices", ()))]
    if not data.get("refused"):
        parts.append(sources_html(data, key))
    # Newline-free HTML keeps it one Markdown HTML block (see `block`).
    return "".join(p for p in parts if p)


def status_html(stage: str, text: str = "") -> str:
    """While answering: what is happening now, and the text so far (escaped)."""
    line = f'<div class="rag-status" role="status"><span class="rag-dot"></span>{esc(STAGES.get(stage, stage))}</div>'
    partial = f'<div class="rag-answer rag-streaming">{block(text)} ▍</div>' if text else ""
    return partial + line


def error_html(message: str) -> str:
    """A failed question, inline in the chat; the question goes back into the input box."""
    return (f'<div class="rag-error" role="alert">⚠ {block(message)}<br><small>Die Frage steht wieder im '
            f'Eingabefeld. / Your question is back in the input box.</small></div>')


def queue_stage(position: int) -> str:
    """The status line while the local model answers others first: this question's place."""
    ahead = "next" if position <= 1 else f"{position - 1} ahead"
    return f"In der Warteschlange: Platz {int(position)} · in the queue: position {int(position)} ({ahead})"


def timings_markdown(timings_ms: dict[str, float] | None, backend: str = "") -> str:
    if not timings_ms:
        return "_No answer yet._"
    parts = [f"{name} **{timings_ms[name]:.0f} ms**" for name in ("retrieve", "generate", "total")
             if name in timings_ms]
    suffix = f" · backend `{backend}`" if backend else ""
    return "Last answer: " + " · ".join(parts) + suffix

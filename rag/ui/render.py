"""Pure functions that turn an `Answer` into the HTML shown in the chat.

Passages and answers are untrusted text (scraped articles, LLM output), so every piece of
it is HTML-escaped here before any markup of ours is added around it. Each `[n]` marker
becomes a superscript link whose tooltip is the supporting passage and whose target is the
source entry below the answer; the sources block lists only what the answer cites.
"""

from __future__ import annotations

import html
import re
from typing import Iterable

from rag.core.types import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _block(text: str) -> str:
    # The chat renders Markdown around our HTML; a blank line would end the HTML block and
    # let Markdown re-interpret passage text, so newlines become <br> inside one block.
    return esc(text).replace("\r", "").replace("\n", "<br>")


def anchor_id(key: str, n: int) -> str:
    """Element id of source n; `key` keeps ids unique when several answers are on screen."""
    return f"src-{re.sub(r'[^A-Za-z0-9_-]', '', key) or 'a'}-{n}"


def marker_html(citation: Citation, key: str) -> str:
    tip = esc(citation.text.strip())
    return (f'<sup class="rag-cite"><a href="#{anchor_id(key, citation.n)}" '
            f'title="{tip}">[{citation.n}]</a></sup>')


def answer_text_html(answer: Answer, key: str = "a") -> str:
    """The answer text, escaped, with each known [n] turned into a hoverable link."""
    by_n = {c.n: c for c in answer.citations}
    out, cursor = [], 0
    for m in _MARKER.finditer(answer.text):
        out.append(_block(answer.text[cursor:m.start()]))
        cit = by_n.get(int(m.group(1)))
        out.append(marker_html(cit, key) if cit else esc(m.group(0)))
        cursor = m.end()
    out.append(_block(answer.text[cursor:]))
    return "".join(out)


def highlighted_chunk(citation: Citation) -> str:
    """The cited chunk's text, escaped, with the supporting span wrapped in <mark>."""
    chunk = citation.chunk
    text = chunk.text
    start, end = citation.start - chunk.start, citation.end - chunk.start
    if not (0 <= start < end <= len(text) and text[start:end] == citation.text):
        # Offsets disagree with the text (should not happen): locate the span by content.
        start = text.find(citation.text) if citation.text else -1
        end = start + len(citation.text)
    if start < 0:
        return _block(text) + f'<br><mark>{_block(citation.text)}</mark>'
    return f"{_block(text[:start])}<mark>{_block(text[start:end])}</mark>{_block(text[end:])}"


def source_html(citation: Citation, key: str = "a") -> str:
    chunk = citation.chunk
    page = f"p. {chunk.page}" if chunk.page else None
    meta = " · ".join(esc(p) for p in (chunk.date, chunk.source, page) if p)
    if chunk.url and chunk.url.startswith(("http://", "https://")):  # never a javascript: link
        meta += f' · <a href="{esc(chunk.url)}" target="_blank" rel="noopener noreferrer">{esc(chunk.url)}</a>'
    return (
        f'<li id="{anchor_id(key, citation.n)}" class="rag-source">'
        f"<strong>[{citation.n}] {esc(chunk.title)}</strong> <small>{meta}</small>"
        f'<div class="rag-passage">{highlighted_chunk(citation)}</div></li>'
    )


def sources_html(citations: Iterable[Citation], key: str = "a") -> str:
    """The sources block: only the cited chunks, in marker order."""
    items = "".join(source_html(c, key) for c in sorted(citations, key=lambda c: c.n))
    if not items:
        return ""
    return f'<div class="rag-sources"><strong>Quellen / Sources</strong><ol>{items}</ol></div>'


def notices_html(notices: Iterable[str]) -> str:
    notes = [n for n in notices if n]
    if not notes:
        return ""
    return '<div class="rag-notice"><small>' + "<br>".join("ⓘ " + esc(n) for n in notes) + "</small></div>"


def answer_html(answer: Answer, key: str = "a") -> str:
    """The complete chat message for a finished, verified answer."""
    if answer.refused:
        body = f'<div class="rag-refusal">{_block(answer.text)}</div>'
    else:
        body = f'<div class="rag-answer">{answer_text_html(answer, key)}</div>'
    parts = [body, notices_html(answer.notices)]
    if not answer.refused:
        parts.append(sources_html(answer.citations, key))
    # Newline-free HTML keeps it one Markdown HTML block (see `_block`).
    return "".join(p for p in parts if p)


def streaming_html(text: str) -> str:
    """Partial text while tokens arrive; escaped like everything else."""
    return f'<div class="rag-answer rag-streaming">{_block(text)} ▍</div>'


def queue_html(position: int) -> str:
    """While the local model answers others first: this question's place in its queue."""
    ahead = "next" if position <= 1 else f"{position - 1} ahead"
    return (f'<div class="rag-answer rag-streaming rag-queue">⏳ In der Warteschlange: Platz {int(position)} '
            f'· in the queue: position {int(position)} ({ahead})</div>')


def timings_markdown(timings_ms: dict[str, float] | None, backend: str = "") -> str:
    if not timings_ms:
        return "_No answer yet._"
    parts = [f"{name} **{timings_ms[name]:.0f} ms**" for name in ("retrieve", "generate", "total")
             if name in timings_ms]
    suffix = f" · backend `{backend}`" if backend else ""
    return "Last answer: " + " · ".join(parts) + suffix

"""Plain text and Markdown (.txt, .md): any encoding charset-normalizer can vouch for.

A file may open with front matter (`---` / `key: value` lines / `---`), as `rag add URL`
writes it: `url`, `title`, `date` and `date_source` become the document's metadata and the
block is not part of the text, so offsets count from the first character after it.
"""

from __future__ import annotations

import re

from rag.core.config import IngestSettings
from rag.ingest.formats import FORMATS, Extracted, Format, Rejected
from rag.ingest.formats.encoding import decode_text
from rag.text.dates import NOT_ISO, iso_date_problem

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body). Text without a well-formed block is all body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    from rag.ingest.formats.barrier import isolate

    # Front matter YAML cannot parse (YAMLError; RecursionError for deep nesting) is body text.
    # BaseLoader keeps every scalar a string: "2024-10-03" stays text (safe_load makes it a
    # date, and "2024-13-45" a ValueError), so dates are judged in one place (text/dates.py).
    meta = isolate("front matter", lambda: yaml.load(match.group(1), Loader=yaml.BaseLoader))
    if not isinstance(meta, dict):
        return {}, text
    return {str(k): str(v) for k, v in meta.items() if v is not None}, text[match.end():]


def render_front_matter(meta: dict[str, str | None]) -> str:
    """The block `split_front_matter` reads back (YAML quotes titles holding ': ' and the like)."""
    import yaml

    body = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True, sort_keys=False,
                          width=10_000)
    return f"---\n{body}---\n"


def extract_text(data: bytes, limits: IngestSettings) -> Extracted | Rejected:
    raw = decode_text(data)
    if raw is None:
        return Rejected("undecodable: binary, or in no text encoding that can be trusted")
    meta, body = split_front_matter(raw)
    date = meta.get("date")
    problem = iso_date_problem(date) if date is not None else None
    if problem == NOT_ISO:  # free text ("Frühjahr 2024", a timestamp): the date is found elsewhere
        date = None
    elif problem:  # a date that looks meant but does not exist is the user's to fix
        return Rejected(f"bad front matter: the date {date!r} {problem}")
    return Extracted(
        parts=(body,), title=meta.get("title") or None, date=date,
        date_source=(meta.get("date_source") or "user") if date else None,
        url=meta.get("url") or None, markers=True,
    )


@FORMATS.register("text", "plain text and Markdown, any encoding (charset-normalizer)",
                  requires=("charset_normalizer", "yaml"), install="pip install charset-normalizer pyyaml")
def text_format() -> Format:
    return Format("text", "text", (".txt", ".md"), "max_text_mb", extract_text, short="text")

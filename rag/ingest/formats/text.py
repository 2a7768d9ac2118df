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

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S)
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body). Text without a well-formed block is all body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    from rag.ingest.formats.barrier import isolate

    # Front matter YAML cannot parse (YAMLError; RecursionError for deep nesting) is body text.
    meta = isolate("front matter", lambda: yaml.safe_load(match.group(1)))
    if not isinstance(meta, dict):
        return {}, text
    # YAML reads 2024-10-03 as a date object; str() gives the ISO form back.
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
    if date is not None and not _ISO_DATE.match(date):
        date = None
    return Extracted(
        parts=(body,), title=meta.get("title") or None, date=date,
        date_source=(meta.get("date_source") or "user") if date else None,
        url=meta.get("url") or None, markers=True,
    )


@FORMATS.register("text", "plain text and Markdown, any encoding (charset-normalizer)",
                  requires=("charset_normalizer", "yaml"), install="pip install charset-normalizer pyyaml")
def text_format() -> Format:
    return Format("text", "text", (".txt", ".md"), "max_text_mb", extract_text, short="text")

"""HTML pages (.html, .htm): the article body without navigation, ads, cookie banners,
comments, link lists or footers (trafilatura), its title, and its date (htmldate).

trafilatura's text has one paragraph per line; paragraphs are joined by a blank line here, so
the chunker sees paragraph breaks. It also returns text for pages that are no article (a shop
page gave 317 characters of navigation), so `is_article` gates fetched pages.
"""

from __future__ import annotations

from rag.core.config import IngestSettings
from rag.ingest.formats import FORMATS, Extracted, Format, Rejected


def extract_html(data: bytes, limits: IngestSettings, url: str | None = None) -> Extracted | Rejected:
    """Article text, title and date of one page (`url`: where it was fetched, if it was)."""
    from htmldate import find_date
    from trafilatura import bare_extraction

    doc = bare_extraction(data, url=url, include_comments=False, with_metadata=True)
    lines = [ln.strip() for ln in ((doc.text if doc is not None else None) or "").split("\n")]
    text = "\n\n".join(ln for ln in lines if ln)
    if not text:
        return Rejected("empty: no article text found in the page")
    # original_date: the publication date, not the last modification (htmldate's default).
    date = find_date(data, url=url, original_date=True, outputformat="%Y-%m-%d")
    return Extracted(parts=(text,), title=(doc.title or "").strip() or None, date=date or None,
                     date_source="metadata" if date else None, url=url or doc.url or None)


def is_article(text: str, limits: IngestSettings) -> bool:
    """Enough text, mostly in long lines: an article, not a link index or a shop page."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    chars = sum(len(ln) for ln in lines)
    long_chars = sum(len(ln) for ln in lines if len(ln) >= limits.article_long_line_chars)
    return chars >= limits.article_min_chars and long_chars >= limits.article_min_long_line_share * max(chars, 1)


@FORMATS.register("html", "web pages: the article without boilerplate (trafilatura, htmldate)",
                  requires=("trafilatura", "htmldate", "lxml_html_clean"),
                  install="pip install trafilatura htmldate lxml_html_clean")
def html_format() -> Format:
    return Format("html", "an HTML page", (".html", ".htm"), "max_html_mb", extract_html)

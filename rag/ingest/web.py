"""`rag add URL`: fetch a page, keep its article, and store it as a document that remembers
where it came from: `<documents>/web/<title>-<url hash>.md`, opening with front matter
(`url`, `title`, `date`, `date_source`) that the text format reads back. The front matter is
not part of the document's text, so offsets count from the article's first character.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rag.core.config import IngestSettings
from rag.core.errors import FetchError
from rag.core.fsio import atomic_write_text
from rag.ingest.fetch import fetch
from rag.ingest.formats import Rejected
from rag.ingest.formats.sniff import sniff
from rag.ingest.formats.text import render_front_matter
from rag.ingest.formats.webpage import extract_html, is_article

WEB_DIR = "web"
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


@dataclass(frozen=True)
class StoredPage:
    source: str  # relative to the documents directory, e.g. "web/stadtrat-beschliesst-1a2b3c4d.md"
    url: str
    title: str | None
    date: str | None
    chars: int  # of the article text


def slug(text: str, limit: int = 60) -> str:
    """ASCII, lower case, words joined by "-" (umlauts spelled out)."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_GERMAN)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = "-".join(words)[:limit].rstrip("-")
    return out or "page"


def add_url(url: str, documents_dir: Path, limits: IngestSettings) -> StoredPage:
    """Fetch `url` and store its article; raises FetchError when that is not possible."""
    fetched = fetch(url, limits)
    kind, label = sniff(fetched.body)
    if kind != "html":
        raise FetchError(f"{url}: the content is {label}, not an HTML page; nothing was added")
    extracted = extract_html(fetched.body, limits, url=fetched.url)
    if isinstance(extracted, Rejected) or not is_article(extracted.parts[0], limits):
        chars = 0 if isinstance(extracted, Rejected) else len(extracted.parts[0])
        raise FetchError(f"{url} is not a news article: its main text is {chars} characters, mostly short "
                         f"lines (a link list, shop or navigation page?); nothing was added")
    text = extracted.parts[0]
    key = hashlib.sha1(fetched.url.encode()).hexdigest()[:8]
    folder = Path(documents_dir) / WEB_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{slug(extracted.title or _url_words(fetched.url))}-{key}.md"
    front = render_front_matter({"url": fetched.url, "title": extracted.title, "date": extracted.date,
                                 "date_source": extracted.date_source})
    atomic_write_text(folder / name, front + text + "\n")
    for old in folder.glob(f"*-{key}.md"):  # the same URL added before, under its old title
        if old.name != name:
            old.unlink()
    return StoredPage(f"{WEB_DIR}/{name}", fetched.url, extracted.title, extracted.date, len(text))


def _url_words(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or ''} {parts.path}"

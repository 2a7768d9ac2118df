"""Issue 32, item 4: the API docs (/docs, /redoc) work offline: every asset they load comes
from our own server, none from a CDN."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def url(seeds_index, serve_app):
    return serve_app(seeds_index())


def _referenced(html: str) -> list[str]:
    """Every URL a docs page loads: src/href attributes and the quoted URLs of its script."""
    attrs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    quoted = re.findall(r"""\b(?:url|spec-url)\s*[:=]\s*["']([^"']+)["']""", html)
    return attrs + quoted


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_reference_only_our_host_and_every_asset_loads(url, page):
    html = httpx.get(url + page, timeout=30).text
    assert not re.search(r"https?://(?!127\.0\.0\.1)", html), "a page must name no other host"
    refs = _referenced(html)
    assert any(r.endswith(".js") for r in refs), refs  # the UI script is among them
    for ref in refs:
        absolute = urljoin(url + page, ref)
        assert urlsplit(absolute).netloc == urlsplit(url).netloc, ref
        assert httpx.get(absolute, timeout=30).status_code == 200, ref


@pytest.mark.browser
@pytest.mark.slow
def test_swagger_ui_renders_with_every_other_host_blocked(url):
    from tests.test_ui_browser import ARGS, CHROMIUM, _require_chromium

    _require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    elsewhere: list[str] = []

    def only_ours(route):
        if urlsplit(route.request.url).netloc == urlsplit(url).netloc:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width in (1366, 400):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", only_ours)
                page.goto(url + "/docs")
                page.locator(".opblock-summary-path", has_text="/api/ask").wait_for(timeout=60_000)
                assert page.locator(".opblock").count() >= 8
                page.screenshot(path=str(ARTIFACTS / f"docs-{width}.png"), full_page=False)
                page.close()
        finally:
            browser.close()
    assert elsewhere == []

"""Headless Debian chromium (Playwright) against the real app: ask, see answer and sources."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"{CHROMIUM} is missing: install it with `make browser` (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def url(real_assistant, serve_app):
    return serve_app(real_assistant, ui_auth="") + "/"


def test_ask_in_browser_shows_answer_and_highlighted_source(url):
    _require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            # The default (offline, extractive) backend, as a new user would see it.
            box = page.locator("#question textarea")
            box.fill(QUESTION)
            box.press("Enter")
            mark = page.locator("#chat .rag-sources mark").first
            mark.wait_for(state="visible", timeout=180_000)
            answer = page.locator("#chat .rag-answer").last.inner_text()
            assert "49" in answer, answer
            assert page.locator("#chat .rag-cite a").first.get_attribute("title")
            assert "total" in page.locator("#timings").inner_text()
            page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)
        finally:
            browser.close()

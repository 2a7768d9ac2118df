"""Headless Debian chromium (Playwright) against the real app: the Evaluation tab runs the
seeds test split while the chat keeps answering, then shows the report's headline numbers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.assistant import Assistant

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
EVAL_TIMEOUT_MS = 900_000  # 50 questions on 2 shared cores, at a lower priority than the chat


@pytest.fixture(scope="module")
def served(real_assistant, serve_app, tmp_path_factory):
    """The app over the real e5 index of the seeds, writing eval runs to a temporary folder."""
    results = tmp_path_factory.mktemp("eval-results")
    s = real_assistant.settings
    settings = s.model_copy(update={"paths": s.paths.model_copy(update={"eval_results_dir": results})})
    return serve_app(Assistant(settings), ui_auth="") + "/", results


def test_evaluation_tab_runs_seeds_test_split_and_shows_headline(served):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing: install it with `make browser`")
        pytest.skip(f"{CHROMIUM} is missing: install it with `make browser` (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    url, results = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 1000})
            page.goto(url)
            page.get_by_role("tab", name="Evaluation").click()
            page.locator("#eval-run").click()  # the defaults: seeds, test split
            status = page.locator("#eval-status")
            sync_api.expect(status).to_contain_text("Running", timeout=180_000)
            page.screenshot(path=str(ARTIFACTS / "ui-eval-running.png"))

            # The chat answers while the eval runs (it runs in its own process).
            page.get_by_role("tab", name="Chat").click()
            box = page.locator("#question textarea")
            box.fill(QUESTION)
            box.press("Enter")
            # A finished answer carries its citation markers (its source blocks start collapsed).
            page.locator("#chat .rag-answer:not(.rag-streaming) .rag-cite").first.wait_for(timeout=180_000)
            assert "49" in page.locator("#chat .rag-answer").last.inner_text()
            assert "Done" not in (status.text_content() or ""), "the eval ended before the chat answered"

            page.get_by_role("tab", name="Evaluation").click()
            frame = page.frame_locator("#eval-report iframe")
            card = frame.locator('[data-metric="answer_match"] .value')
            card.wait_for(timeout=EVAL_TIMEOUT_MS)
            (report_file,) = results.glob("*-seeds-extractive-test/report.json")
            report = json.loads(report_file.read_text(encoding="utf-8"))
            headline = frame.locator("#headline").inner_text()
            assert "test split (held out)" in headline and f"{report['n_questions']} questions" in headline
            assert card.inner_text() == f"{report['overall']['answer_match']:.3f}"
            refused = frame.locator('[data-metric="correct_refusal_rate"] .value').inner_text()
            assert refused == f"{report['overall']['correct_refusal_rate']:.3f}"
            assert "Done" in status.inner_text()
            page.screenshot(path=str(ARTIFACTS / "ui-eval-1366.png"), full_page=True)
            # A phone opens the page at 400 px (the chats sidebar starts closed there) and picks the
            # finished report from the list.
            narrow = browser.new_page(viewport={"width": 400, "height": 900})
            narrow.goto(url)
            narrow.get_by_role("tab", name="Evaluation").click()
            narrow.locator("#eval-runs input").click()
            narrow.get_by_role("option", name=report_file.parent.name).click()
            narrow_card = narrow.frame_locator("#eval-report iframe").locator('[data-metric="answer_match"] .value')
            sync_api.expect(narrow_card).to_have_text(card.inner_text(), timeout=30_000)
            narrow.locator("#eval-report iframe").scroll_into_view_if_needed()
            narrow.screenshot(path=str(ARTIFACTS / "ui-eval-400.png"))
        finally:
            browser.close()

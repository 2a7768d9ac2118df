"""Headless Debian chromium (Playwright) against the real app (e5 embedder, extractive
backend) over a copy of the seeds: ask and follow up, reload, the source viewer, the
library (upload with a bad file, ask only these, delete), and the chat at 400 px.

Screenshots land in test-artifacts/ (chat, viewer and library at 1366 and 400 px).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.core.config import load_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
FIRST = "Wer ist der größte Kapitalgeber von OpenAI?"
FOLLOW_UP = "Wie viel hat er insgesamt investiert?"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTICLE = ("date 2024-05\nSchleusen am Nord-Ostsee-Kanal\n\n"
           "Die neue Schleuse in Brunsbüttel soll 2026 fertig werden. Der Bau kostet 1,2 Milliarden Euro.\n")
ANSWER_S = 180  # a cold e5 on two shared cores


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"{CHROMIUM} is missing: install it with `make browser` (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def url(tmp_path_factory, e5_installed, serve_app):
    """The real app over its own copy of the seeds (the library test uploads and deletes)."""
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(REPO / "seeds", root / "seeds")
    settings = load_settings(paths={"seeds_dir": root / "seeds", "index_dir": root / "index",
                                    "models_dir": REPO / "models", "data_dir": root / "data"},
                             ui={"max_upload_mb": 1})  # the library test sends a larger file
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    return serve_app(assistant, ui_auth="") + "/"


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _page(browser, url, width=1366, height=900):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)
    return page


def _ask(page, question, turns_before):
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    # The question shows at once, with a status line, before the answer is there.
    page.locator("#chat .rag-status").first.wait_for(state="attached", timeout=15_000)
    assert page.locator("#chat .user").nth(turns_before).inner_text().strip() == question
    answer = page.locator("#chat .bot").nth(turns_before)
    answer.locator(".rag-answer, .rag-refusal, .rag-error").first.wait_for(state="visible", timeout=ANSWER_S * 1000)
    page.locator("#chat .rag-status").wait_for(state="detached", timeout=ANSWER_S * 1000)
    return answer


def test_ask_follow_up_reload_and_the_source_viewer(browser, url):
    page = _page(browser, url)
    first = _ask(page, FIRST, 0)
    assert "Kapitalgeber" in first.inner_text() and first.locator(".rag-cite a").count() >= 1
    assert re.search(r"[?&]c=[0-9a-f]{8,}", page.url)  # the open conversation is in the URL

    # The follow-up is read against the first turn ("er" is Microsoft), and the chat says so.
    second = _ask(page, FOLLOW_UP, 1)
    assert "Microsoft" in second.locator(".rag-read-as").inner_text()
    assert "13 Milliarden" in second.locator(".rag-answer").inner_text()
    assert page.locator("#conversations .rag-conv").count() == 1
    assert page.locator("#conversations .rag-conv[aria-current=true]").inner_text().endswith("· 2")

    # Sources are collapsed; an [n] opens its source, where every sentence it supports is marked.
    source = second.locator("details.rag-source").first
    assert not source.evaluate("d => d.open")
    second.locator(".rag-cite a").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('#chat details.rag-source')].some(d => d.open)")
    marks = source.locator(".rag-passage mark").all_inner_texts()
    assert second.locator(".rag-cite a").count() >= 2 and len(marks) >= 2, marks
    assert any("13 Milliarden" in m for m in marks)
    page.screenshot(path=str(ARTIFACTS / "chat_1366.png"))

    # The source viewer: the whole document, every span this answer cites in it highlighted.
    second.locator("a.rag-view").first.click()
    page.locator("#viewer .rag-doc-view").wait_for(state="visible", timeout=30_000)
    viewed = page.locator("#viewer mark").all_inner_texts()
    assert len(viewed) >= 2 and any("13 Milliarden" in m for m in viewed)
    assert page.locator("#viewer #rag-focus").is_visible() and page.locator("#viewer .rag-chunk-no").count() > 1
    page.screenshot(path=str(ARTIFACTS / "viewer_1366.png"))

    # A reload keeps the conversation: both turns, their sources, the sidebar entry.
    page.reload()
    page.locator("#chat .bot .rag-sources").nth(1).wait_for(state="visible", timeout=60_000)
    assert [t.strip() for t in page.locator("#chat .user").all_inner_texts()] == [FIRST, FOLLOW_UP]
    assert "13 Milliarden" in page.locator("#chat .bot").nth(1).inner_text()
    assert page.locator("#conversations .rag-conv[aria-current=true]").count() == 1

    # Rename and delete from the sidebar (deleting asks first).
    page.locator("#chat-manage").get_by_text("Umbenennen, löschen").click()
    page.locator("#chat-title input, #chat-title textarea").first.fill("Microsoft und OpenAI")
    page.locator("#rename-chat").click()
    page.locator("#conversations", has_text="Microsoft und OpenAI").wait_for(timeout=30_000)
    page.once("dialog", lambda d: d.accept())
    page.locator("#delete-chat").click()
    page.locator("#conversations .rag-empty").wait_for(timeout=30_000)
    assert page.locator("#chat .user").count() == 0 and "c=" not in page.url
    page.close()


def test_a_bad_date_is_an_inline_message_that_keeps_the_question(browser, url):
    page = _page(browser, url)
    page.locator("#settings").get_by_text("Einstellungen / Settings").click()
    page.locator("#since input, #since textarea").first.fill("2024-1x")
    answer = _ask(page, QUESTION, 0)
    assert "since date '2024-1x'" in answer.locator(".rag-error").inner_text()
    assert page.locator("#question textarea").input_value() == QUESTION
    assert page.locator(".toast-body, .error").filter(has_text="Error").count() == 0
    page.close()


def test_library_upload_with_bad_files_ask_only_these_and_delete(browser, url, tmp_path):
    good, bad, big = tmp_path / "schleuse.txt", tmp_path / "foto.pdf", tmp_path / "gross.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)  # a PNG named .pdf
    big.write_text("Ein Satz über Schleusen. " * 60_000, encoding="utf-8")  # 1.5 MB, over the 1 MB cap
    page = _page(browser, url)
    page.get_by_role("tab", name="Dokumente / Documents").click()
    page.locator("#documents table").wait_for(timeout=30_000)
    assert page.locator("#documents tbody tr").count() == 5
    # One batch: a good file, a PNG named .pdf, and one over the upload limit. Each is sent and
    # checked alone, so the good one is indexed and the two others are named with the reason.
    page.locator("#upload input[type=file]").set_input_files([str(good), str(bad), str(big)])
    report = page.locator("#upload-report")
    report.locator("li").nth(2).wait_for(timeout=ANSWER_S * 1000)
    lines = report.locator("li").all_inner_texts()
    assert re.match(r"✔ schleuse.txt indexed \(\d+ chunks?\)", lines[0]), lines
    assert lines[1].startswith("✖ foto.pdf") and "PNG image, not a PDF" in lines[1]
    assert lines[2].startswith("✖ gross.txt") and "over the 1 MB upload limit" in lines[2]
    row = page.locator("#documents tbody tr", has_text="schleuse.txt")
    row.wait_for(timeout=30_000)
    assert "2024-05" in row.inner_text() and "indexed" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "library_1366.png"), full_page=True)

    # Ask only the checked document: every passage comes from it.
    row.locator("input.rag-pick").check()
    page.locator("#ask-only").click()
    page.locator("#question textarea").wait_for(state="visible")
    answer = _ask(page, "Wie viel kostet der Bau der Schleuse?", 0)
    assert "1,2 Milliarden" in answer.inner_text()
    assert set(answer.locator(".rag-source small").all_inner_texts()) == {"2024-05 · schleuse.txt"}

    # Preview, then delete from the library: gone from the table and the index.
    page.get_by_role("tab", name="Dokumente / Documents").click()
    row.locator("button.rag-doc").click()
    page.locator("#preview .rag-doc-view", has_text="Brunsbüttel").wait_for(timeout=30_000)
    page.once("dialog", lambda d: d.accept())
    page.locator("#delete-doc").click()
    page.locator("#delete-report", has_text="removed from the index").wait_for(timeout=ANSWER_S * 1000)
    page.locator("#documents tbody tr", has_text="schleuse.txt").wait_for(state="detached", timeout=30_000)
    assert page.locator("#documents tbody tr").count() == 5
    page.close()


def test_at_400_px(browser, url):
    page = _page(browser, url, width=400, height=860)
    # The sidebars start closed: the chat and a full-width input own the screen.
    assert not page.locator("#sidebar-chats").evaluate("e => e.classList.contains('open')")
    box = page.locator("#question textarea")
    assert box.bounding_box()["width"] > 280
    answer = _ask(page, QUESTION, 0)
    assert "49" in answer.inner_text()
    assert page.locator("#chat").bounding_box()["width"] > 330
    page.screenshot(path=str(ARTIFACTS / "chat_400.png"))
    answer.locator(".rag-cite a").first.click()
    answer.locator("a.rag-view").first.click()
    page.locator("#viewer #rag-focus").wait_for(state="visible", timeout=30_000)
    # Over a phone the viewer covers the page once it has slid in.
    page.wait_for_function("() => document.querySelector('#viewer-panel').getBoundingClientRect().left <= 1")
    page.screenshot(path=str(ARTIFACTS / "viewer_400.png"))
    page.locator("#viewer-panel .toggle-button, #viewer-panel button").first.click()
    page.get_by_role("tab", name="Dokumente / Documents").click()
    page.locator("#documents table").wait_for(timeout=30_000)
    status = page.locator("#documents th", has_text="Status").bounding_box()
    assert status["x"] + status["width"] <= 400  # every column but the format fits
    page.screenshot(path=str(ARTIFACTS / "library_400.png"), full_page=True)
    page.close()

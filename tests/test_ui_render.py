"""Rendering answers and documents (rag/ui/render.py, render_library.py): pure functions of
the answer's JSON contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.core.types import Answer, Chunk, Citation, Hit
from rag.ui import render
from rag.ui.render_library import conversations_html, document_html, documents_html

ARTICLE = ("date 2024-05\nTestartikel über Sicherheit im Browser\n\n"
           "Die Firma Beispiel warnt vor <script>alert('x')</script> in Kommentaren. "
           "Der Angriff nutzt eingeschleuste Skripte in Webseiten.\n")
PASSAGE = "Erster Satz steht hier. Zweiter Satz folgt. Dritter Satz schließt."


def _answer(**extra) -> dict:
    chunk = Chunk("d:0", "d", "bericht.pdf", "Bericht <i>", "2024", PASSAGE, 100, 100 + len(PASSAGE),
                  date_source="inferred", page=2, url="https://example.org/bericht")
    cits = (Citation(1, chunk, 100, 123, "Erster Satz steht hier.", spans=((100, 123), (124, 143))),)
    hits = (Hit(chunk, 0.5, 1), Hit(Chunk("e:0", "e", "e.txt", "Other", None, "Anderer Text.", 0, 13), 0.4, 2))
    data = Answer("Frage?", "Erster Satz steht hier [1]. Zweiter Satz folgt [1].", False, cits, hits,
                  notices=("n1", "n1", "<b>x</b>")).to_json()
    data.update(extra)
    return data


def test_sources_are_collapsible_and_mark_every_span():
    out = render.answer_html(_answer(), "a3")
    block = re.search(r'<details class="rag-source" id="src-a3-1">.*?</details>', out).group(0)
    assert re.findall(r"<mark>(.*?)</mark>", block) == ["Erster Satz steht hier.", "Zweiter Satz folgt."]
    assert "≥ 2024 · bericht.pdf · p. 2" in block and "Bericht &lt;i&gt;" in block
    assert 'href="#view-a3-1"' in block and 'href="https://example.org/bericht"' in block
    assert out.count('href="#src-a3-1"') == 2  # both markers lead to the source
    assert "Anderer Text" not in out  # only cited sources
    assert "ⓘ n1 (2×)" in out and "<b>x</b>" not in out  # notices: once each, escaped


def test_spans_apart_are_marked_apart():
    data = _answer()
    data["citations"][0]["spans"] = [[100, 123], [144, 166]]
    marks = re.findall(r"<mark>(.*?)</mark>", render.source_html(data, data["citations"][0]))
    assert marks == ["Erster Satz steht hier.", "Dritter Satz schließt."]


def test_low_confidence_mark_only_below_the_threshold():
    assert "rag-low-confidence" not in render.answer_html(_answer(), low_confidence=0.5)  # no confidence: nothing
    assert "rag-low-confidence" not in render.answer_html(_answer(confidence=0.8), low_confidence=0.5)
    out = render.answer_html(_answer(confidence=0.31), low_confidence=0.5, best_passages=2)
    block = re.search(r'<div class="rag-low-confidence".*?</div>(?=<div class="rag-notice")', out).group(0)
    assert "31%" in block and block.count('class="rag-best"') == 2 and "Anderer Text." in block
    refused = _answer(confidence=0.1, refused=True, answer="Dazu steht in den Dokumenten nichts.")
    assert "rag-low-confidence" not in render.answer_html(refused, low_confidence=0.5)


def test_refusal_shows_no_sources_and_read_as_is_shown():
    data = _answer(refused=True, answer="Dazu steht in den Dokumenten nichts.", citations=[],
                   standalone_question="Wer leitet <Microsoft> AI?")
    out = render.answer_html(data)
    assert "rag-refusal" in out and "rag-sources" not in out
    assert "read as: „Wer leitet &lt;Microsoft&gt; AI?“" in out


def test_status_and_error_are_escaped():
    assert "Lese" in render.status_html("reading") and "a &lt;b&gt;" in render.status_html("writing", "a <b>")
    assert "&lt;img" in render.error_html("<img src=x onerror=alert(1)>")


def test_javascript_urls_are_never_links():
    data = _answer()
    data["citations"][0]["url"] = "javascript:alert(1)"
    assert "javascript:" not in render.source_html(data, data["citations"][0])


def test_passages_are_html_escaped(hashing_settings):
    (Path(hashing_settings.paths.seeds_dir) / "xss.txt").write_text(ARTICLE, encoding="utf-8")
    settings = hashing_settings.model_copy(update={"llm": hashing_settings.llm.model_copy(update={"backend": "fake"})})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    answer = assistant.ask("Wovor warnt die Firma Beispiel in Kommentaren?", mode="bm25")
    assert answer.citations and answer.citations[0].chunk.source == "xss.txt"
    out = render.answer_html(answer.to_json())
    assert "<script>" not in out and "&lt;script&gt;" in out
    doc = document_html(assistant.document("xss.txt").to_json(), [(answer.citations[0].start, answer.citations[0].end)])
    assert "<script>" not in doc and "&lt;script&gt;" in doc and "<mark" in doc


def test_document_view_numbers_chunks_and_marks_spans():
    text = "A" * 50 + " " + "B" * 50 + " " + "C" * 50
    doc = {"source": "x.txt", "title": "X", "date": "2024-10", "date_source": "marker", "format": "text",
           "text": text, "note": "", "url": None,
           "chunks": [{"chunk_id": "x:0", "start": 0, "end": 101, "page": None, "indexed": True},
                      {"chunk_id": "x:1", "start": 51, "end": len(text), "page": None, "indexed": False}]}
    out = document_html(doc, marks=[(60, 70), (110, 120)], focus=[(110, 120)])
    assert re.findall(r'<span class="rag-chunk-no"[^>]*>(\d+)</span>', out) == ["1", "2"]
    assert "chunk 2: 51–152 (not indexed yet)" in out
    assert re.findall(r"<mark[^>]*>([A-C]+)</mark>", out) == ["B" * 10, "C" * 10]
    assert out.count('id="rag-focus"') == 1 and "2024-10 <small>date line in the text</small>" in out


def test_library_table_and_conversation_list():
    rows = [{"source": "a.txt", "state": "indexed", "title": "A <b>", "date": "2024", "date_source": "inferred",
             "format": "text", "chunks": 3},
            {"source": "b.pdf", "state": "new", "title": None, "date": None, "date_source": None,
             "format": "pdf", "chunks": 0}]
    out = documents_html(rows, checked=["a.txt"], previewed="b.pdf")
    assert "A &lt;b&gt;" in out and "≥ 2024<br><small>inferred: not before</small>" in out
    assert re.search(r'data-source="a.txt" aria-label="a.txt" checked', out)
    assert "new: not indexed yet" in out and 'class="rag-doc" data-source="b.pdf" aria-current="true"' in out

    class Conv:
        id, title, updated, turns = "c1", "Wer <leitet>?", "2026-12-07T10:31:02.123+00:00", 2
    html_out = conversations_html([Conv()], "c1")
    assert "Wer &lt;leitet&gt;?" in html_out and "2026-12-07 10:31 · 2" in html_out and 'aria-current' in html_out
    assert "No saved chats" in conversations_html([], None)


@pytest.mark.parametrize("ranges, expected", [
    ([(5, 9), (0, 3), (2, 4)], [(0, 4), (5, 9)]),
    ([(8, 20), (-3, 1), (4, 4)], [(0, 1), (8, 10)]),
])
def test_merge_ranges(ranges, expected):
    assert render.merge_ranges(ranges, 10) == expected


def test_the_theme_serves_only_whole_font_faces():
    # gradio 6.31's weight-600 files are 4-5 KB subsets (SourceSansPro-SemiBold.woff2 holds "A",
    # "B" and spaces): with them every bold heading mixed two faces. A whole Latin face is
    # 36-103 KB, so a face under 20 KB is a subset.
    from gradio.themes.utils.fonts import font_file_path

    from rag.ui.style import FONTS, theme

    theme()  # builds with these fonts
    for family, weights in FONTS:
        for weight in weights:
            assert font_file_path(family, weight).stat().st_size > 20_000, (family, weight)

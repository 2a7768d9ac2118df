"""UI handlers and rendering, called directly (no server): hashing embedder + fake backend."""

from __future__ import annotations

import html
import re
from pathlib import Path

import gradio as gr
import pytest

from rag.assistant import Assistant
from rag.core.config import load_settings
from rag.ui import handlers, render
from rag.core.config import IngestSettings
from rag.ui.uploads import safe_name, save_upload, store_bytes

QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
ARTICLE = ("date 2024-05\nTestartikel über Sicherheit im Browser\n\n"
           "Die Firma Beispiel warnt vor <script>alert('x')</script> in Kommentaren. "
           "Der Angriff nutzt eingeschleuste Skripte in Webseiten.\n")


@pytest.fixture
def fake_assistant(hashing_settings) -> Assistant:
    settings = hashing_settings.model_copy(update={"llm": hashing_settings.llm.model_copy(update={"backend": "fake"})})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    return assistant


def _final(gen):
    outputs = list(gen)
    return outputs, outputs[-1]


def test_chat_streams_then_renders_only_cited_sources(fake_assistant):
    outputs, (chat, pairs, timings) = _final(handlers.respond(fake_assistant, QUESTION, [], [], "fake", 5, "hybrid"))
    assert len(outputs) > 2  # the user turn, streamed pieces, then the verified answer
    assert chat[0] == {"role": "user", "content": QUESTION}
    assert "rag-streaming" in outputs[1][0][-1]["content"]
    final = chat[-1]["content"]
    answer = fake_assistant.ask(QUESTION, llm="fake")
    assert [c.n for c in answer.citations] == [1]
    assert final.count('class="rag-source"') == len(answer.citations)
    cited = answer.citations[0]
    # The highlighted span is exactly the citation's supporting text (escaped).
    marks = re.findall(r"<mark>(.*?)</mark>", final)
    assert marks == [html.escape(cited.text).replace("\n", "<br>")]
    # Only cited sources: the other retrieved chunks do not appear.
    uncited = [h.chunk for h in answer.hits if h.chunk.chunk_id != cited.chunk.chunk_id]
    assert uncited and all(html.escape(c.text[:80]) not in final for c in uncited)
    assert 'href="#src-a0-1"' in final and 'id="src-a0-1"' in final
    assert pairs == [(QUESTION, answer.text)]
    assert "retrieve" in timings and "total" in timings


def test_follow_up_passes_history_as_pairs(fake_assistant):
    _, (chat, pairs, _) = _final(handlers.respond(fake_assistant, QUESTION, [], [], "fake", 3, "bm25"))
    backend = fake_assistant.backend("fake")
    _, (chat2, pairs2, _) = _final(handlers.respond(fake_assistant, "Und wann?", chat, pairs, "fake", 3, "bm25"))
    # The follow-up is resolved by rules in the Assistant (rag/answer/condense.py), for every
    # backend: the backend is asked the last question anew with the new question word.
    assert backend.requests[-1].question.startswith("Wann") and backend.requests[-1].question != "Und wann?"
    assert len(chat2) == 4 and len(pairs2) == 2
    assert 'id="src-a1-1"' in chat2[-1]["content"]  # ids stay unique across answers


def test_passages_are_html_escaped(hashing_settings):
    (Path(hashing_settings.paths.seeds_dir) / "xss.txt").write_text(ARTICLE, encoding="utf-8")
    settings = hashing_settings.model_copy(update={"llm": hashing_settings.llm.model_copy(update={"backend": "fake"})})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    question = "Wovor warnt die Firma Beispiel in Kommentaren?"
    answer = assistant.ask(question, mode="bm25")
    assert answer.citations and answer.citations[0].chunk.source == "xss.txt"
    out = render.answer_html(answer)
    assert "<script>" not in out and "&lt;script&gt;" in out
    _, (chat, _, _) = _final(handlers.respond(assistant, question, [], [], "fake", 5, "bm25"))
    assert "<script>" not in chat[-1]["content"]


def test_refusal_and_notices_render_plainly(fake_assistant):
    backend = fake_assistant.backend("fake")
    backend.replies = ["Dazu steht in den Dokumenten nichts."]
    answer = fake_assistant.ask("Wer gewann 1954 die Fußball-WM?", llm="fake")
    assert answer.refused
    out = render.answer_html(answer)
    assert "rag-refusal" in out and "rag-sources" not in out
    assert "<b>" not in render.notices_html(["<b>x</b>"])


def test_safe_name():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\win.ini.md") == "win.ini.md"
    assert safe_name(".hidden.txt") == "hidden.txt"
    assert safe_name("Über uns & <b>.TXT") == "Ueber_uns_b.txt"
    assert safe_name("/") == "upload"


def test_upload_traversal_lands_inside_seeds(tmp_path):
    seeds = tmp_path / "seeds"
    r = store_bytes("../../etc/passwd.txt", ARTICLE.encode(), seeds, IngestSettings())
    assert r.status == "saved" and r.name == "passwd.txt"
    assert (seeds / "passwd.txt").read_text(encoding="utf-8") == ARTICLE
    assert not (tmp_path / "etc").exists()


def test_upload_size_cap_type_and_text_checks(tmp_path):
    seeds = tmp_path / "seeds"
    big = tmp_path / "big.txt"
    big.write_bytes(b"Ein Satz. " * 120_000)  # ~1.2 MB
    # Over the server's upload limit: refused before it is read.
    refused = save_upload(big, seeds, IngestSettings(), 1)
    assert refused.status == "rejected" and "over the 1 MB upload limit" in refused.message
    # Under it, but over the text type's own cap.
    refused = save_upload(big, seeds, IngestSettings(max_text_mb=1), 5)
    assert refused.status == "rejected" and "RAG_INGEST__MAX_TEXT_MB" in refused.message
    png = store_bytes("bild.png", b"\x89PNG\r\n\x1a\n\x00\x00", seeds, IngestSettings())
    assert png.status == "rejected" and "unsupported type (.png)" in png.message
    # The type is judged by content: a PNG named .pdf is no PDF.
    fake = store_bytes("artikel.pdf", b"\x89PNG\r\n\x1a\n\x00\x00", seeds, IngestSettings())
    assert fake.status == "rejected" and "the content is a PNG image, not a PDF" in fake.message
    r = store_bytes("binary.txt", b"\x00\x01\x02binary" * 50, seeds, IngestSettings())
    assert r.status == "rejected" and "undecodable" in r.message
    assert not seeds.exists() or not any(seeds.iterdir())


def test_upload_duplicate_and_name_clash(hashing_settings):
    seeds = Path(hashing_settings.paths.seeds_dir)
    existing = sorted(seeds.glob("*.txt"))[0]
    dup = store_bytes("copy.txt", existing.read_bytes(), seeds, IngestSettings())
    assert dup.status == "duplicate" and existing.name in dup.message
    assert not (seeds / "copy.txt").exists()
    clash = store_bytes(existing.name, ARTICLE.encode(), seeds, IngestSettings())
    assert clash.status == "renamed" and clash.name == existing.stem + "-1.txt"
    assert (seeds / clash.name).read_text(encoding="utf-8") == ARTICLE
    assert existing.read_bytes() != ARTICLE.encode()  # never overwritten


def test_upload_handler_then_rebuild_reports_added(hashing_assistant, tmp_path):
    src = tmp_path / "neu artikel.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    report = handlers.upload(hashing_assistant, [str(src)])
    assert "saved as neu_artikel.txt" in report
    calls = []
    text, status = handlers.rebuild(hashing_assistant, False, lambda f, desc=None: calls.append((f, desc)))
    assert "**added**: 1 `neu_artikel.txt`" in text
    assert "**6** documents" in status
    assert calls  # progress reached gr.Progress


def test_missing_index_becomes_readable_gr_error(tmp_path, hashing_settings):
    settings = hashing_settings.model_copy(
        update={"paths": hashing_settings.paths.model_copy(update={"index_dir": tmp_path / "nothing"})})
    assistant = Assistant.from_settings(settings)
    with pytest.raises(gr.Error) as err:
        list(handlers.respond(assistant, QUESTION, [], [], "fake", 5, "hybrid"))
    assert "index" in err.value.message.lower()
    assert "Traceback" not in err.value.message
    assert "No index yet" in handlers.status_markdown(assistant)
    with pytest.raises(gr.Error):
        handlers.api_ask(assistant, QUESTION)


def test_unknown_backend_and_empty_question_are_gr_errors(fake_assistant):
    with pytest.raises(gr.Error, match="Unknown LLM backend"):
        list(handlers.respond(fake_assistant, QUESTION, [], [], "nope", 5, "hybrid"))
    with pytest.raises(gr.Error):
        list(handlers.respond(fake_assistant, "   ", [], [], "fake", 5, "hybrid"))


def test_backend_choices_and_api(fake_assistant):
    values = [v for _, v in handlers.backend_choices(fake_assistant)]
    assert "extractive" in values and "fake" in values
    data = handlers.api_ask(fake_assistant, QUESTION, k=5, mode="hybrid", backend="fake")
    assert data["citations"] and data["citations"][0]["n"] == 1 and data["backend"] == "fake"


def test_upload_accepts_the_same_types_with_the_same_checks(tmp_path):
    import io
    import zipfile

    from tests import writers

    seeds = tmp_path / "seeds"
    limits = IngestSettings(max_pdf_pages=5)
    assert store_bytes("Brücken.pdf", writers.make_pdf(), seeds, limits).status == "saved"
    assert store_bytes("elbe.docx", writers.make_docx(), seeds, limits).status == "saved"
    assert store_bytes("seite.html", writers.ARTICLE_PAGE.encode(), seeds, limits).status == "saved"
    long_pdf = writers.make_pdf(pages=[[f"Seite {i} mit Text."] for i in range(6)])
    refused = store_bytes("lang.pdf", long_pdf, seeds, limits)
    assert refused.status == "rejected" and "6 pages, over the 5-page limit" in refused.message
    scan = store_bytes("scan.pdf", writers.make_blank_pdf(), seeds, limits)
    assert scan.status == "rejected" and "no text layer (scanned?); OCR is not supported" in scan.message
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b" " * (110 << 20))
    refused = store_bytes("bombe.docx", bomb.getvalue(), seeds, limits)
    assert refused.status == "rejected" and "would inflate to 110 MB" in refused.message
    assert sorted(p.name for p in seeds.iterdir()) == ["Bruecken.pdf", "elbe.docx", "seite.html"]


def test_source_list_shows_page_and_link():
    from rag.core.types import Chunk, Citation

    chunk = Chunk("d:0", "d", "bericht.pdf", "Bericht", "2024-05-14", "Text auf Seite zwei.", 100, 120,
                  page=2, url="https://example.org/bericht")
    html_out = render.source_html(Citation(1, chunk, 100, 120, "Text auf Seite zwei."))
    assert "p. 2" in html_out and 'href="https://example.org/bericht"' in html_out
    unsafe = Chunk("d:0", "d", "x.md", "X", None, "T", 0, 1, url="javascript:alert(1)")
    assert "href" not in render.source_html(Citation(1, unsafe, 0, 1, "T"))

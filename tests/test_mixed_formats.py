"""The issue's "done when": a folder with the seeds plus an HTML page, a two-page PDF, a DOCX,
a UTF-16 text file and an unsupported file indexes with exactly one warning, naming the
unsupported file; a question answered from each format cites that file (the PDF with its
page, the HTML page with its date); a question only the page's footer answers is refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.assistant import Assistant
from rag.core.config import load_settings
from tests import writers
from tests.conftest import REPO, encoded_texts

UNSUPPORTED = "notizen.xyz"


@pytest.fixture
def mixed(seeds_dir, tmp_path):
    (seeds_dir / "radwege.html").write_text(writers.ARTICLE_PAGE, encoding="utf-8")
    (seeds_dir / "bruecken.pdf").write_bytes(writers.make_pdf())
    (seeds_dir / "elbe.docx").write_bytes(writers.make_docx())
    (seeds_dir / "brauerei.txt").write_bytes(writers.UTF16_TEXT.encode("utf-16"))
    (seeds_dir / UNSUPPORTED).write_text("Eine Notiz in einem Format, das niemand kennt.", encoding="utf-8")
    env = {**os.environ, "RAG_PATHS__SEEDS_DIR": str(seeds_dir), "RAG_PATHS__INDEX_DIR": str(tmp_path / "index"),
           "RAG_PATHS__MODELS_DIR": str(REPO / "models"), "RAG_EMBEDDING__BACKEND": "hashing",
           "RAG_EMBEDDING__DIM": "256"}
    settings = load_settings(paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / "index",
                                    "models_dir": REPO / "models"}, embedding={"backend": "hashing", "dim": 256})
    return env, settings


def _cli(args, env):
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def test_mixed_folder_indexes_with_one_warning_and_cites_every_format(mixed):
    env, settings = mixed
    result = _cli(["index"], env)
    assert result.returncode == 0, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines == [f"warning: skipped {UNSUPPORTED}: unsupported type (.xyz); "
                     "supported: .docx, .htm, .html, .md, .pdf, .txt"]
    assert "added:   9" in result.stdout  # 5 seeds + HTML, PDF, DOCX, UTF-16 text

    assistant = Assistant.from_settings(settings)
    cases = {
        "bruecken.pdf": "Wie viel kostet der Neubau der Brücke über die Aa?",
        "radwege.html": "Wie viel Geld investiert Münster in die neuen Radwege?",
        "elbe.docx": "Wie viele Sandsäcke hat die Feuerwehr in Dresden verteilt?",
        "brauerei.txt": "Wie viel Hektoliter Bier braut die Brauerei in Großhausen jährlich?",
    }
    docs = {c.source: c for c in assistant.index().chunks}
    for source, question in cases.items():
        answer = assistant.ask(question)
        assert not answer.refused, (question, answer.text)
        cited = {c.chunk.source for c in answer.citations}
        assert source in cited, (question, cited, answer.text)
        assert source in docs
    pdf = next(c for c in assistant.ask(cases["bruecken.pdf"]).citations if c.chunk.source == "bruecken.pdf")
    assert pdf.chunk.page == 2 and "12 Millionen Euro" in pdf.text
    html = next(c for c in assistant.ask(cases["radwege.html"]).citations if c.chunk.source == "radwege.html")
    assert (html.chunk.date, html.chunk.date_source) == ("2024-10-03", "metadata")
    as_json = assistant.ask(cases["bruecken.pdf"]).to_json()["citations"]
    assert any(c["source"] == "bruecken.pdf" and c["page"] == 2 for c in as_json)

    # The CLI shows the page next to the source.
    shown = _cli(["ask", cases["bruecken.pdf"]], env)
    assert shown.returncode == 0, shown.stderr
    assert "— bruecken.pdf, p. 2 (chars" in shown.stdout


def test_a_fact_only_in_the_pages_footer_is_refused(mixed):
    env, settings = mixed
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    assert not any("Redaktionsschluss" in c.text for c in assistant.index().chunks)
    answer = assistant.ask("Wann ist täglich Redaktionsschluss bei der Westfälischen Rundschau?")
    assert answer.refused, answer.text


def test_a_changed_pdf_re_embeds_only_itself(mixed):
    env, settings = mixed
    first = Assistant.from_settings(settings).rebuild()
    assert "bruecken.pdf" in first.added
    seeds = settings.paths.seeds_dir
    (seeds / "bruecken.pdf").write_bytes(writers.make_pdf(pages=[["Eine ganz neue erste Seite."],
                                                                ["Und eine zweite Seite mit Ölpreisen."]]))
    step = Assistant.from_settings(settings)
    report = step.rebuild()
    assert report.changed == ["bruecken.pdf"] and not report.added and not report.removed
    chunks = [c for c in step.index().chunks if c.source == "bruecken.pdf"]
    assert len(chunks) == report.embedded_chunks and step.embedder.documents_encoded == encoded_texts(chunks)
    assert "Ölpreisen" in chunks[-1].text and chunks[0].page == 1
    # Nothing changed: nothing is read again (the stat is known), nothing embedded.
    again = Assistant.from_settings(settings)
    assert not again.rebuild().changed and again.embedder.documents_encoded == 0

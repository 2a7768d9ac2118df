"""The chat's events (rag/ui/chat.py) called directly, no server: hashing embedder + fake
backend, conversations saved in the test's own data directory."""

from __future__ import annotations

import html
import re
from pathlib import Path

import gradio as gr
import pytest

from rag.assistant import Assistant
from rag.ui import chat, handlers

QUESTION = "Welchen Anteil an OpenAI soll Microsoft erhalten haben?"
OWNER = chat.LOCAL_OWNER


@pytest.fixture
def fake_assistant(hashing_settings) -> Assistant:
    settings = hashing_settings.model_copy(update={"llm": hashing_settings.llm.model_copy(update={"backend": "fake"})})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    return assistant


def ask(assistant, question, history=None, cid="", answers=None, **options):
    """`start` then `respond`, as the UI chains them; returns every yield and the last one."""
    shown, box, pending = chat.start(question, history or [])
    assert box == "" and pending == question
    assert shown[-2] == {"role": "user", "content": question}  # the question shows at once
    assert "rag-status" in shown[-1]["content"]
    outputs = list(chat.respond(assistant, pending, shown, cid, answers or [], OWNER,
                                options.pop("backend", "fake"), options.pop("k", 5), options.pop("mode", "hybrid"),
                                options.pop("since", ""), options.pop("until", ""), options.pop("sources", None)))
    return outputs, outputs[-1]


def test_a_question_streams_status_then_the_answer_and_is_saved(fake_assistant):
    outputs, (shown, box, cid, answers, convs, timings) = ask(fake_assistant, QUESTION)
    statuses = [o[0][-1]["content"] for o in outputs[:-1]]
    assert any("Lese" in s for s in statuses) and any("Prüfe" in s for s in statuses)
    assert any("rag-streaming" in s for s in statuses)  # tokens appear before the check ends
    assert isinstance(box, type(gr.skip()))  # the box keeps whatever the user typed meanwhile
    final = shown[-1]["content"]
    assert "rag-status" not in final and 'class="rag-source"' in final and 'id="src-a0-1"' in final
    assert cid and len(answers) == 1 and answers[0]["citations"]
    saved = fake_assistant.conversations.get(cid, OWNER)
    assert saved.title == QUESTION and len(saved.turns) == 1
    assert html.escape(QUESTION) in convs and f'data-id="{cid}"' in convs and 'aria-current="true"' in convs
    assert "total" in timings


def test_a_follow_up_continues_the_conversation_and_reopens_from_the_store(fake_assistant):
    _, (shown, _, cid, answers, _, _) = ask(fake_assistant, QUESTION)
    _, (shown2, _, cid2, answers2, _, _) = ask(fake_assistant, "Und wann?", shown, cid, answers)
    assert cid2 == cid and len(shown2) == 4 and len(answers2) == 2
    assert 'id="src-a1-1"' in shown2[-1]["content"]  # ids stay unique across answers
    # The follow-up was resolved against the saved first turn, and the chat says how it was read.
    read_as = fake_assistant.backend().requests[-1].question
    assert read_as.startswith("Wann") and answers2[1]["standalone_question"] == read_as
    assert f"read as: „{html.escape(read_as)}“" in shown2[-1]["content"]
    assert [t.question for t in fake_assistant.conversations.get(cid, OWNER).turns] == [QUESTION, "Und wann?"]
    # A reload: the same conversation, rendered from what was saved, looks the same.
    reopened, rcid, ranswers, title, convs = chat.open_conversation(fake_assistant, cid, OWNER)
    assert rcid == cid and title == QUESTION and reopened == shown2 and ranswers == answers2
    # Another user's (or an unknown) id opens an empty chat, and says nothing about it.
    assert chat.open_conversation(fake_assistant, cid, "ui:mallory")[:3] == ([], "", [])


def test_rename_and_delete(fake_assistant):
    _, (_, _, cid, _, _, _) = ask(fake_assistant, QUESTION)
    title, convs = chat.rename(fake_assistant, cid, "  Microsoft & OpenAI  ", OWNER)
    assert title == "Microsoft & OpenAI" and "Microsoft &amp; OpenAI" in convs
    emptied = chat.delete(fake_assistant, cid, OWNER)
    assert emptied[:3] == ([], "", []) and cid not in emptied[4]
    assert fake_assistant.conversations.list(OWNER) == []
    assert chat.delete(fake_assistant, "", OWNER)[1] == ""  # a cancelled confirm deletes nothing


@pytest.mark.parametrize("options, words", [
    ({"since": "2024-99-99x"}, "since"),
    ({"backend": "nope"}, "Unknown LLM backend"),
    ({"sources": ["no-such-file.txt"]}, "no-such-file.txt"),
])
def test_a_failed_question_is_an_inline_message_and_goes_back_into_the_box(fake_assistant, options, words):
    _, (shown, box, cid, answers, _, _) = ask(fake_assistant, QUESTION, **options)
    assert box == QUESTION  # the typed question is kept
    assert shown[-2]["content"] == QUESTION and "rag-error" in shown[-1]["content"]
    assert words in html.unescape(shown[-1]["content"])
    assert fake_assistant.conversations.list(OWNER) == []  # nothing saved


def test_a_missing_index_is_an_inline_message(tmp_path, hashing_settings):
    settings = hashing_settings.model_copy(
        update={"paths": hashing_settings.paths.model_copy(update={"index_dir": tmp_path / "nothing"})})
    assistant = Assistant.from_settings(settings)
    _, (shown, box, *_) = ask(assistant, QUESTION, backend="extractive")
    assert box == QUESTION and "index" in shown[-1]["content"].lower() and "Traceback" not in shown[-1]["content"]
    assert "No index yet" in handlers.status_markdown(assistant)
    with pytest.raises(gr.Error):
        handlers.api_ask(assistant, QUESTION)


def test_an_empty_question_does_nothing(fake_assistant):
    assert chat.start("   ", [])[2] == ""
    assert list(chat.respond(fake_assistant, "", [], "", [], OWNER)) == []


def test_a_second_question_waits_for_the_answer_in_progress():
    shown, _, pending = chat.start(QUESTION, [])
    again = chat.start("Und wann?", shown)  # the first answer still shows its status line
    assert again[2] == "" and all(isinstance(v, type(gr.skip())) for v in again[:2])  # the box keeps it


def test_only_these_documents(fake_assistant):
    chosen = "003_7f6e26588299af66.txt"
    assert any(d.source == chosen for d in fake_assistant.documents())
    _, (shown, _, _, answers, _, _) = ask(fake_assistant, QUESTION, sources=[chosen])
    assert answers[0]["retrieved"] and {r["source"] for r in answers[0]["retrieved"]} == {chosen}


def test_the_source_viewer_shows_the_whole_document_with_every_cited_span(corpus_assistant):
    text = ("date 2024-03\nStadtwerke bauen Speicher\n\n"
            "Die Stadtwerke Kiel bauen einen Wärmespeicher für 40 Millionen Euro. "
            "Der Speicher soll im Jahr 2026 in Betrieb gehen. Er fasst 30.000 Kubikmeter Wasser.\n")
    assistant = corpus_assistant({"kiel.txt": text}, llm={"backend": "fake"})
    assistant.backend().replies = ["Die Stadtwerke Kiel bauen einen Wärmespeicher für 40 Millionen Euro [1]. "
                                   "Er soll im Jahr 2026 in Betrieb gehen [1]."]
    _, (shown, _, _, answers, _, _) = ask(assistant, "Was bauen die Stadtwerke Kiel?")
    # In the chat, the [1] source marks both sentences its passage supports.
    assert len(re.findall(r"<mark>", shown[-1]["content"])) == 2
    view = chat.open_source(assistant, "a0-1", answers)
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", view)
    assert marks == ["Die Stadtwerke Kiel bauen einen Wärmespeicher für 40 Millionen Euro.",
                     "Der Speicher soll im Jahr 2026 in Betrieb gehen."]
    assert view.count('id="rag-focus"') == 1 and "Stadtwerke bauen Speicher" in view
    assert "Er fasst 30.000 Kubikmeter Wasser." in view  # the whole text, not the chunk
    assert "no longer open" in chat.open_source(assistant, "a5-1", answers)
    # The file changed since: the viewer says so instead of silently marking other words.
    Path(assistant.settings.paths.seeds_dir, "kiel.txt").write_text(text.replace("Kiel", "Kieler"), encoding="utf-8")
    assert "changed since this answer" in chat.open_source(assistant, "a0-1", answers)


def test_owner_is_the_login_or_local(tmp_path):
    from rag.api.auth import key_login
    from rag.api.owners import owner_for_key
    from rag.assistant import Assistant
    from rag.core.config import load_settings

    class Req:
        def __init__(self, username):
            self.username = username

    assistant = Assistant.from_settings(load_settings(paths={"data_dir": tmp_path / "data"}))
    assert chat.owner_of(assistant, Req("alice")) == "ui:alice"
    assert chat.owner_of(assistant, None) == chat.LOCAL_OWNER
    # A key login binds its user name to the key's owner: the UI shows that key's chats, and
    # a name another key holds is refused rather than shared.
    login = key_login(["k1", "k2"], bind=assistant.conversations.login_owners.bind)
    assert login("me", "k1") and not login("me", "k2") and not login("me", "wrong")
    assert login("you", "k2") and login("me", "k1")
    assert chat.owner_of(assistant, Req("me")) == owner_for_key("k1")
    assert chat.owner_of(assistant, Req("you")) == owner_for_key("k2")

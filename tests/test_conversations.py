"""The conversation store (rag/conversations.py) and Assistant.chat: owners, turns, schema
version, a damaged file, and many threads writing at once."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from rag.conversations import SCHEMA_VERSION, ConversationStore, Turn
from rag.core.errors import ConfigError, InputError, NotFoundError, StorageError


def answer(text: str) -> dict:
    return {"answer": text, "refused": False, "citations": [], "retrieved": []}


def test_owners_see_only_their_own(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    assert store.list("a") == [] and not (tmp_path / "c.sqlite3").exists()  # reading creates nothing
    mine = store.create("a", "Erste Frage")
    store.append(mine.id, "a", Turn("Erste Frage", None, answer("Antwort [1].")))
    store.append(mine.id, "a", Turn("Und er?", "Und Microsoft?", answer("Zweite [1].")))
    theirs = store.create("b", "Andere")
    assert [(c.id, c.turns) for c in store.list("a")] == [(mine.id, 2)]
    assert [c.id for c in store.list("b")] == [theirs.id]
    got = store.get(mine.id, "a")
    assert [t.question for t in got.turns] == ["Erste Frage", "Und er?"]
    assert got.turns[1].standalone == "Und Microsoft?" and got.turns[1].answer_text == "Zweite [1]."
    for call in (lambda: store.get(mine.id, "b"), lambda: store.rename(mine.id, "b", "x"),
                 lambda: store.delete(mine.id, "b"), lambda: store.append(mine.id, "b", got.turns[0])):
        with pytest.raises(NotFoundError):
            call()
    assert store.rename(mine.id, "a", " Neu \n Titel ").title == "Neu Titel"
    with pytest.raises(InputError):
        store.rename(mine.id, "a", "   ")
    store.delete(mine.id, "a")
    assert store.list("a") == [] and [c.id for c in store.list("b")] == [theirs.id]


def test_the_most_recently_updated_comes_first(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    old, new = store.create("a", "alt"), store.create("a", "neu")
    assert [c.id for c in store.list("a")] == [new.id, old.id]
    store.append(old.id, "a", Turn("q", None, answer("a")))
    assert [c.id for c in store.list("a")] == [old.id, new.id]


def test_schema_is_versioned_and_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "c.sqlite3"
    ConversationStore(path).create("a", "x")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ConfigError, match="newer"):
        ConversationStore(path).list("a")


def test_a_damaged_file_is_a_storage_error(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="Move it away"):
        ConversationStore(path).list("a")


def test_threads_append_at_once(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    cid = store.create("a", "x").id
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                ConversationStore(store.path).append(cid, "a", Turn(f"{n}-{i}", None, answer("a")))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    turns = store.get(cid, "a").turns
    assert len(turns) == 40 and len({t.question for t in turns}) == 40


def test_chat_saves_turns_and_resolves_follow_ups(hashing_assistant):
    cid, first = hashing_assistant.chat("Wie viel Geld soll in Stargate fließen?")
    cid2, second = hashing_assistant.chat("Und wer ist dabei?", cid)
    assert cid2 == cid and "Stargate" in second.standalone_question
    saved = hashing_assistant.conversations.get(cid, "local")
    assert saved.title == "Wie viel Geld soll in Stargate fließen?"
    assert [t.answer["answer"] for t in saved.turns] == [first.text, second.text]
    events = list(hashing_assistant.chat_stream("Wann war das?", cid))
    assert events[-1] == ("conversation", cid) and events[-2][0] == "answer"
    assert len(hashing_assistant.conversations.get(cid, "local").turns) == 3
    with pytest.raises(InputError):  # nothing is saved for a question that cannot be asked
        hashing_assistant.chat("   ", cid)
    assert len(hashing_assistant.conversations.get(cid, "local").turns) == 3
    with pytest.raises(NotFoundError):
        hashing_assistant.chat("Und?", "unknown-id")

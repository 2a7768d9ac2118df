"""Saved conversations: an SQLite file under `settings.paths.data_dir` (`data/conversations.sqlite3`).

    store = assistant.conversations                      # a ConversationStore
    summary = store.create(owner, "Wer leitet Microsoft AI?")
    store.append(summary.id, owner, Turn(question, standalone, answer.to_json()))
    store.list(owner)            # [ConversationSummary(id, title, created, updated, turns)], newest first
    store.get(summary.id, owner) # Conversation(... , turns=[Turn(...)])
    store.rename(summary.id, owner, "Microsoft AI"); store.delete(summary.id, owner)

Every call names its `owner` (the HTTP API's: a hash of the caller's API key, never the key;
"local" without keys), and a conversation is visible to its owner only: another owner's id is
`NotFoundError`, exactly as an unknown one, so ids cannot be probed.

A turn stores the question as asked, the standalone question it was resolved to (None when
it stood alone) and the answer's JSON contract (`Answer.to_json()`: text, citations,
retrieved passages), which is what a later follow-up resolves against.

Safe for concurrent use: each call opens its own connection (a few hundred microseconds), in
WAL mode with a busy timeout, and writes in `BEGIN IMMEDIATE` transactions, so the API's
threads, the UI and a `rag chat` in another process can share one file. The schema is
versioned (`PRAGMA user_version`); a file from a newer version is refused, not altered.
Hand-written over the standard library's sqlite3: two tables need no ORM.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rag.core.errors import ConfigError, InputError, NotFoundError, StorageError

SCHEMA_VERSION = 1
FILE_NAME = "conversations.sqlite3"
LOCAL_OWNER = "local"
MAX_TITLE_CHARS = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT,
    answer TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (conversation_id, n)
);
"""


@dataclass(frozen=True)
class Turn:
    """One question and its answer. `answer` is the JSON contract (`Answer.to_json()`)."""

    question: str
    standalone: str | None
    answer: dict[str, Any]
    created: str = ""  # ISO 8601, UTC; set when stored

    @property
    def answer_text(self) -> str:
        return str(self.answer.get("answer", ""))

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "standalone_question": self.standalone,
                "answer": self.answer, "created": self.created}


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    title: str
    created: str
    updated: str
    turns: int  # how many turns it holds

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "created": self.created, "updated": self.updated,
                "turns": self.turns}


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created: str
    updated: str
    turns: tuple[Turn, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "created": self.created, "updated": self.updated,
                "turns": [t.to_json() for t in self.turns]}


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def title_for(question: str) -> str:
    """A conversation's default title: its first question, on one line, cut at a word."""
    title = " ".join(question.split())
    if len(title) > 80:
        title = title[:80].rsplit(" ", 1)[0] + " …"
    return title or "…"


class LoginOwners:
    """Which owner a UI login name stands for, while the server runs. With API keys the UI's
    login takes any user name and a key as the password (rag.api.auth.key_login): the name is
    bound to that key's owner, so the UI shows the same conversations as the key's REST calls,
    and a name already bound to another key is refused (two people who both typed "me" must
    not see each other's chats). Gradio forgets its logins on restart, and so does this."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()

    def bind(self, username: str, owner: str) -> bool:
        """Bind `username` to `owner`; False when it is bound to another owner."""
        with self._lock:
            return self._owners.setdefault(username, owner) == owner

    def get(self, username: str) -> str | None:
        return self._owners.get(username)


class ConversationStore:
    """The conversations of every owner in one SQLite file (created on first write)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.login_owners = LoginOwners()  # UI login names -> owners (with API keys)

    @contextlib.contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            yield None  # nothing saved yet: reads see an empty store, nothing is created
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"Cannot open the conversation store {self.path}: {exc}") from None
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            self._check_schema(conn)
            if write:
                conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if conn.in_transaction:
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"The conversation store {self.path} is unreadable ({exc}). "
                               f"Move it away to start a new one.") from None
        finally:
            conn.close()

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise ConfigError(f"The conversation store {self.path} has schema {version}, newer than this "
                              f"version of rag reads ({SCHEMA_VERSION}). Upgrade rag, or move the file away.")
        # Idempotent, so two processes creating the file at once cannot collide.
        conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")

    @staticmethod
    def _clean_title(title: str) -> str:
        title = " ".join((title or "").split())
        if not title:
            raise InputError("A conversation's title cannot be empty.")
        return title[:MAX_TITLE_CHARS]

    @staticmethod
    def _owned(conn, conversation_id: str, owner: str) -> sqlite3.Row:
        row = conn.execute("SELECT id, title, created, updated FROM conversations WHERE id = ? AND owner = ?",
                           (conversation_id, owner)).fetchone() if conn is not None else None
        if row is None:
            raise NotFoundError(f"There is no conversation {conversation_id!r}.")
        return row

    # -- the API ---------------------------------------------------------------------------
    def create(self, owner: str, title: str) -> ConversationSummary:
        """A new, empty conversation of `owner`."""
        title, now = self._clean_title(title), _now()
        cid = uuid.uuid4().hex
        with self._connect(write=True) as conn:
            conn.execute("INSERT INTO conversations (id, owner, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                         (cid, owner, title, now, now))
        return ConversationSummary(cid, title, now, now, 0)

    def list(self, owner: str) -> list[ConversationSummary]:
        """`owner`'s conversations, the most recently updated first."""
        with self._connect() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT c.id, c.title, c.created, c.updated, COUNT(t.n) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id WHERE c.owner = ? "
                "GROUP BY c.id ORDER BY c.updated DESC, c.rowid DESC", (owner,)).fetchall()
        return [ConversationSummary(*row) for row in rows]

    def get(self, conversation_id: str, owner: str) -> Conversation:
        """The conversation with its turns, oldest first (NotFoundError if not `owner`'s)."""
        with self._connect() as conn:
            cid, title, created, updated = self._owned(conn, conversation_id, owner)
            rows = conn.execute("SELECT question, standalone, answer, created FROM turns "
                                "WHERE conversation_id = ? ORDER BY n", (cid,)).fetchall()
        turns = tuple(Turn(q, s, json.loads(a), c) for q, s, a, c in rows)
        return Conversation(cid, title, created, updated, turns)

    def rename(self, conversation_id: str, owner: str, title: str) -> ConversationSummary:
        title = self._clean_title(title)
        with self._connect(write=True) as conn:
            self._owned(conn, conversation_id, owner)
            conn.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))
            cid, title, created, updated = self._owned(conn, conversation_id, owner)
            n = conn.execute("SELECT COUNT(*) FROM turns WHERE conversation_id = ?", (cid,)).fetchone()[0]
        return ConversationSummary(cid, title, created, updated, n)

    def delete(self, conversation_id: str, owner: str) -> None:
        """Delete the conversation and its turns (NotFoundError if not `owner`'s)."""
        with self._connect(write=True) as conn:
            self._owned(conn, conversation_id, owner)
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def append(self, conversation_id: str, owner: str, turn: Turn) -> Turn:
        """Add `turn` at the end of the conversation; returns it with its `created` time."""
        now = _now()
        with self._connect(write=True) as conn:
            self._owned(conn, conversation_id, owner)
            n = conn.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM turns WHERE conversation_id = ?",
                             (conversation_id,)).fetchone()[0]
            conn.execute("INSERT INTO turns (conversation_id, n, question, standalone, answer, created) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (conversation_id, n, turn.question, turn.standalone,
                          json.dumps(turn.answer, ensure_ascii=False), now))
            conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
        return Turn(turn.question, turn.standalone, turn.answer, now)

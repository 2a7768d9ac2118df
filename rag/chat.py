"""Saved conversations as turns of the Assistant: `chat` and `chat_stream` (a mixin of
`rag.assistant.Assistant`, which provides `stream`, `index` and `conversations`).

    cid, answer = assistant.chat("Wer ist der größte Kapitalgeber von OpenAI?")   # a new conversation
    cid, answer = assistant.chat("Wie viel hat er insgesamt investiert?", cid)    # its next turn

A turn is saved only once it is answered; its history is the conversation's saved turns, whose
answers' citations let a follow-up find what "er" or "das Unternehmen" means.
"""

from __future__ import annotations

from typing import Any, Iterator

from rag.conversations import LOCAL_OWNER, Turn, title_for
from rag.core.errors import RagError
from rag.core.types import Answer
from rag.ingest.preview import text_before


class ChatMixin:
    def chat(self, question: str, conversation_id: str | None = None, *, owner: str = LOCAL_OWNER,
             **options: Any) -> tuple[str, Answer]:
        """Answer `question` as the next turn of a saved conversation and save the turn; a new
        conversation (titled with the question) when `conversation_id` is None. Returns
        (conversation_id, Answer). `options` as in `ask` (k, mode, llm, since, until, as_of,
        sources). NotFoundError for an id that is not `owner`'s."""
        answer = None
        for kind, value in self.chat_stream(question, conversation_id, owner=owner, **options):
            if kind == "answer":
                answer = value
            elif kind == "conversation":
                conversation_id = value
        assert answer is not None and conversation_id is not None
        return conversation_id, answer

    def chat_stream(self, question: str, conversation_id: str | None = None, *, owner: str = LOCAL_OWNER,
                    **options: Any) -> Iterator[tuple[str, Any]]:
        """`stream` as a turn of a saved conversation: its events, then ("conversation", id)
        once the turn is saved. Nothing is saved when answering fails."""
        history = self.conversations.get(conversation_id, owner).turns if conversation_id else ()
        answer = None
        for kind, value in self.stream(question, history, **options):
            if kind == "answer":
                answer = value
            yield (kind, value)
        if conversation_id is None:
            conversation_id = self.conversations.create(owner, title_for(answer.question)).id
        self.conversations.append(conversation_id, owner,
                                  Turn(answer.question, answer.standalone_question, answer.to_json()))
        yield ("conversation", conversation_id)

    def _before_citation(self, citation: dict[str, Any]) -> str | None:
        # Where a follow-up finds whom "Das Unternehmen bleibt ..." means (rag/answer/condense.py).
        try:
            return text_before(self.index(), citation.get("source", ""), int(citation["end"]))
        except RagError:
            return None

    def _before_sentence(self, sentence: str) -> str | None:
        # A (question, answer) pair carries no citations: find its answer sentence in the index
        # (one BM25 search) and read the text before it, as for a citation.
        text = sentence.strip()
        if len(text) < 20:
            return None
        try:
            view = self.index()
            for key, _ in view.search_lexical(text).top(3):
                chunk = view.chunk(key)
                at = chunk.text.find(text)
                if at >= 0:
                    return text_before(view, chunk.source, chunk.start + at + len(text))
        except RagError:
            return None
        return None

"""`/api/conversations`: saved conversations (rag/conversations.py), each visible to its owner
only (`rag.api.owners`: a hash of the caller's API key, or the local owner without keys).

- `GET /api/conversations`: the caller's conversations, most recently updated first;
- `GET /api/conversations/{id}`: one, with its `turns` (question, standalone question, answer);
- `PATCH /api/conversations/{id}` `{"title": ...}`: rename; `DELETE /api/conversations/{id}`.

`POST /api/ask` with `conversation_id` continues one, with `save: true` starts one (rest_routes).
"""

from __future__ import annotations

from typing import Callable

from fastapi import APIRouter, Depends

from rag.api.schemas import ConversationOut, ConversationSummaryOut, RenameRequest
from rag.assistant import Assistant


def conversations_router(assistant: Assistant, owner: Callable) -> APIRouter:
    router = APIRouter(prefix="/conversations", tags=["Conversations"])
    store = assistant.conversations

    @router.get("", response_model=list[ConversationSummaryOut], summary="List your saved conversations")
    def list_conversations(who: str = Depends(owner)):
        return [c.to_json() for c in store.list(who)]

    @router.get("/{conversation_id}", response_model=ConversationOut, summary="One conversation with its turns")
    def get_conversation(conversation_id: str, who: str = Depends(owner)):
        return store.get(conversation_id, who).to_json()

    @router.patch("/{conversation_id}", response_model=ConversationSummaryOut, summary="Rename a conversation")
    def rename_conversation(conversation_id: str, req: RenameRequest, who: str = Depends(owner)):
        return store.rename(conversation_id, who, req.title).to_json()

    @router.delete("/{conversation_id}", summary="Delete a conversation and its turns")
    def delete_conversation(conversation_id: str, who: str = Depends(owner)) -> dict[str, str]:
        store.delete(conversation_id, who)
        return {"deleted": conversation_id}

    return router

"""Whose saved conversations a request sees: with API keys, a hash of the caller's key (the key
itself is never stored); without keys (loopback only), the one local owner."""

from __future__ import annotations

import hashlib
from typing import Callable, Sequence

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag.conversations import LOCAL_OWNER

_bearer = HTTPBearer(auto_error=False)


def owner_for_key(key: str) -> str:
    """The owner id of an API key: "key:" + the first 32 hex digits of its sha256."""
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def owner_dependency(keys: Sequence[str]) -> Callable:
    """A FastAPI dependency that names the caller's owner id. The key was already checked by
    `rag.api.auth.bearer_dependency`; without configured keys every caller is local."""
    async def owner(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
        if not keys or creds is None:
            return LOCAL_OWNER
        return owner_for_key(creds.credentials)

    return owner

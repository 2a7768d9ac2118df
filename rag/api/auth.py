"""API keys: bearer tokens for /v1 and /api, and the rule that exposing the server needs them.

The UI keeps its own login (`RAG_UI__AUTH`); a key does not open the UI, nor a UI login the API.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from typing import Callable, Sequence

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag.api.errors import ApiError
from rag.core.errors import ConfigError

# auto_error=False: a missing header is answered in OpenAI's error shape, not FastAPI's.
_bearer = HTTPBearer(auto_error=False, description="An API key from RAG_API__KEYS.")


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:  # a host name: loopback only if every address it resolves to is
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def check_exposure(host: str, keys: Sequence[str]) -> None:
    """Refuse to serve the API to other machines without keys (ConfigError says how)."""
    if not keys and not is_loopback(host):
        raise ConfigError(
            f"rag serve would listen on {host}, which other machines can reach, but no API keys are "
            "set. Set at least one, e.g. RAG_API__KEYS=$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'), or bind to 127.0.0.1 (--host 127.0.0.1).")


def bearer_dependency(keys: Sequence[str]) -> Callable:
    """A FastAPI dependency that admits requests carrying one of `keys`; with no keys
    (loopback only, see `check_exposure`) it admits every request."""
    accepted = [k.encode() for k in keys]

    async def require_key(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
        if not accepted:
            return
        if creds is None:
            raise ApiError(401, "Missing API key: send the header 'Authorization: Bearer <key>'.",
                           "authentication_error", code="missing_api_key")
        given = creds.credentials.encode()
        # Compare with every key in constant time: the response time says nothing about a key.
        if not any([hmac.compare_digest(given, k) for k in accepted]):
            raise ApiError(401, "Incorrect API key provided.", "authentication_error", code="invalid_api_key")

    require_key.keys = tuple(keys)  # for rag.api.owners: whose conversations a request sees
    return require_key

"""API keys: bearer tokens for /v1 and /api, the UI login they give, and the rule that
exposing the server needs them.

Keys mean the operator wants protection, so with keys set the UI (every Gradio route that
reads or changes data: uploads, files, the queue, the `ask` API) needs a login too, on loopback
as well. `RAG_UI__AUTH` ("user:password"), when set, is that login; otherwise Gradio's login
page takes any user name and an API key as the password (`key_login`). A UI login does not
open /v1 or /api: those want the key as a bearer token.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from typing import Callable, Sequence

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag.api.errors import ApiError
from rag.api.owners import owner_for_key
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


def _known(given: str, accepted: Sequence[bytes]) -> bool:
    # Compare with every key in constant time: the response time says nothing about a key.
    return any([hmac.compare_digest(given.encode(), k) for k in accepted])


def key_login(keys: Sequence[str], bind: Callable[[str, str], bool] | None = None) -> Callable[[str, str], bool]:
    """Gradio's `auth` callable: any user name, an API key as the password. `bind(username,
    owner)` ties the name to the key's owner (rag.conversations.LoginOwners) and may refuse
    a name another key holds."""
    accepted = [k.encode() for k in keys]

    def check(username: str, password: str) -> bool:
        if not _known(password or "", accepted):
            return False
        return bind is None or bind(username, owner_for_key(password))

    return check


def ui_login(keys: Sequence[str], ui_auth: str,
             bind: Callable[[str, str], bool] | None = None) -> str | Callable[[str, str], bool]:
    """The UI's login: `ui_auth` ("user:password") when given, else the key login when there
    are keys (`bind` as in `key_login`), else "" (no login: loopback only, see `check_exposure`)."""
    if ui_auth or not keys:
        return ui_auth
    return key_login(keys, bind)


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
        if not _known(creds.credentials, accepted):
            raise ApiError(401, "Incorrect API key provided.", "authentication_error", code="invalid_api_key")

    require_key.keys = tuple(keys)  # for rag.api.owners: whose conversations a request sees
    return require_key

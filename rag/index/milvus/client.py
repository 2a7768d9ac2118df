"""Connecting to Milvus: a Milvus Lite directory (in-process) or a server URI, one client
per (uri, token) and process.

Milvus Lite (the pure-Python engine of milvus-lite 3) runs a gRPC server in a thread of
this process, and takes an exclusive lock on its directory: a second process cannot open
it. `close` stops this process's server for a path, releasing the lock.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path

from rag.core.config import StoreSettings
from rag.core.errors import BackendUnavailableError, ConfigError, IndexLockedError

SERVER_SCHEMES = ("http://", "https://", "tcp://", "grpc://", "unix:")
LITE_INSTALL = "pip install -e '.[milvus]'"

_clients: dict[tuple[str, str], object] = {}
_lock = threading.Lock()


def resolve_uri(settings: StoreSettings, index_dir: Path) -> str:
    """The configured URI; a Lite path made absolute; "" means `<index_dir>/milvus.db`."""
    uri = settings.uri.strip() or str(Path(index_dir) / "milvus.db")
    if is_lite(uri):
        if not uri.endswith(".db"):
            raise ConfigError(f"A Milvus Lite path must end in '.db' (got {uri!r}); a server is "
                              "named by its URI, e.g. http://127.0.0.1:19530.")
        uri = str(Path(uri).expanduser().resolve())
    return uri


def is_lite(uri: str) -> bool:
    return not uri.startswith(SERVER_SCHEMES)


def describe(uri: str) -> str:
    """The URI without credentials, fit for messages and store.json."""
    if is_lite(uri):
        return uri
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def _unimplemented(record: logging.LogRecord) -> bool:
    """Milvus Lite lacks AllocTimestamp, which pymilvus asks for while it waits for an index
    to build (and then goes on without); its gRPC server logs each as an error with a
    traceback. Drop just those."""
    return "Method not implemented" not in record.getMessage()


def connect(uri: str, token: str = ""):
    """A MilvusClient for `uri`, shared within this process."""
    key = (uri, token)
    with _lock:
        client = _clients.get(key)
    if client is not None:
        return client
    if is_lite(uri):
        if importlib.util.find_spec("milvus_lite") is None:
            raise BackendUnavailableError(f"A Milvus Lite path needs milvus-lite, which is not installed. "
                                          f"Install it with: {LITE_INSTALL}")
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        server_log = logging.getLogger("grpc._server")
        if _unimplemented not in server_log.filters:
            server_log.addFilter(_unimplemented)
    from pymilvus import MilvusClient
    from pymilvus.exceptions import MilvusException

    try:
        client = MilvusClient(uri=uri, token=token) if token else MilvusClient(uri=uri)
    except MilvusException as exc:
        if is_lite(uri):
            raise IndexLockedError(
                f"Could not open Milvus Lite at {uri} ({exc.message}). Only one process may open a "
                "Lite database: stop the other one (a running `rag serve`?), or serve it with "
                f"`milvus-lite server --data-dir {uri} --host 127.0.0.1 --port 19531` and set "
                "RAG_STORE__URI=http://127.0.0.1:19531.") from None
        raise BackendUnavailableError(f"Cannot reach Milvus at {describe(uri)}: {exc.message}") from None
    with _lock:
        client = _clients.setdefault(key, client)
    return client


def close(uri: str) -> None:
    """Close this process's clients of `uri`; for Lite also stop its server (frees the lock)."""
    with _lock:
        keys = [k for k in _clients if k[0] == uri]
        clients = [_clients.pop(k) for k in keys]
    for client in clients:
        client.close()
    if is_lite(uri) and importlib.util.find_spec("milvus_lite") is not None:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)

"""The LLM backend registry and the backends' failure behaviour (no model needed)."""

from __future__ import annotations

import importlib.util
import socket
import time
from pathlib import Path

import pytest

from rag.core.config import LLMSettings
from rag.core.errors import BackendError, BackendUnavailableError
from rag.backends import BACKENDS, BackendContext, GenerationRequest, get_backend, list_backends
from rag.core.types import Chunk, Hit


def _ctx(tmp_path: Path, **llm) -> BackendContext:
    return BackendContext(llm=LLMSettings(**llm), models_dir=tmp_path)


def _request(text: str = "Microsoft soll 49 Prozent an OpenAI erhalten haben. Mehr nicht.") -> GenerationRequest:
    chunk = Chunk("d1:0", "d1", "000.txt", "Titel", "2023-01", text, 0, len(text))
    return GenerationRequest.for_question(
        "Welchen Anteil hält Microsoft?",
        passages=(Hit(chunk, 1.0, 1),),
        messages=({"role": "system", "content": "Antworte mit [n]."},
                  {"role": "user", "content": "Welchen Anteil hält Microsoft?"}),
    )


@pytest.fixture
def throwaway_backend():
    """Registers a backend that needs a module which does not exist, and removes it after."""
    with BACKENDS.temporarily("test-needs-missing-module", lambda ctx: None, "test only",
                              requires=("rag_test_no_such_module_xyz",),
                              install="pip install rag-test-no-such-package==1.0") as name:
        yield name


def _closed_port() -> int:
    # Bind, read the port, close: nothing listens there afterwards, so connecting is refused.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_builtin_backends_are_listed():
    names = {b.name for b in list_backends()}
    assert {"fake", "langchain", "openai-compatible", "local"} <= names
    for info in list_backends():
        assert info.description and (info.install or not info.requires)


def test_unknown_backend_lists_available_names(tmp_path):
    with pytest.raises(BackendUnavailableError) as err:
        get_backend("no-such-backend", _ctx(tmp_path))
    msg = str(err.value)
    assert "no-such-backend" in msg
    for name in ("fake", "langchain", "openai-compatible", "local"):
        assert name in msg


def test_missing_dependency_names_the_exact_pip_command(tmp_path, throwaway_backend):
    with pytest.raises(BackendUnavailableError) as err:
        get_backend(throwaway_backend, _ctx(tmp_path))
    assert "rag_test_no_such_module_xyz" in str(err.value)
    assert "pip install rag-test-no-such-package==1.0" in str(err.value)


@pytest.mark.skipif(importlib.util.find_spec("langchain_anthropic") is not None,
                    reason="langchain-anthropic is installed, so it cannot be reported missing")
def test_langchain_missing_provider_package_names_pip_command(tmp_path):
    with pytest.raises(BackendUnavailableError) as err:
        get_backend("langchain", _ctx(tmp_path, backend="langchain", model="anthropic:claude-x"))
    assert "pip install langchain-anthropic" in str(err.value)


def test_langchain_needs_provider_prefix(tmp_path):
    with pytest.raises(BackendUnavailableError, match="provider:model"):
        get_backend("langchain", _ctx(tmp_path, model="gpt-4o-mini"))


def test_openai_compatible_needs_base_url(tmp_path):
    with pytest.raises(BackendUnavailableError, match="base_url"):
        get_backend("openai-compatible", _ctx(tmp_path))


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is not None,
                    reason="llama-cpp-python is installed, so it cannot be reported missing")
def test_local_without_llama_cpp_names_pip_command(tmp_path):
    with pytest.raises(BackendUnavailableError) as err:
        get_backend("local", _ctx(tmp_path))
    assert 'pip install "llama-cpp-python==0.3.36"' in str(err.value)


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                    reason="llama-cpp-python is not installed; the missing-model check comes after it")
def test_local_without_model_names_install_command(tmp_path):
    with pytest.raises(BackendUnavailableError) as err:
        get_backend("local", _ctx(tmp_path))  # tmp_path holds no model
    assert "rag models install qwen-1.5b" in str(err.value)
    with pytest.raises(BackendUnavailableError, match="does not exist"):
        get_backend("local", _ctx(tmp_path, model_path=str(tmp_path / "nope.gguf")))


def test_fake_backend_records_requests_and_streams_the_reply(tmp_path):
    ctx = _ctx(tmp_path)
    ctx.extra["replies"] = ["Microsoft soll 49 Prozent erhalten haben [1]."]
    backend = get_backend("fake", ctx)
    request = _request()
    full = backend.generate(request)
    pieces = list(backend.stream(request))
    assert full == "Microsoft soll 49 Prozent erhalten haben [1]."
    assert len(pieces) > 1 and "".join(pieces) == full
    assert backend.requests == [request, request]


def test_fake_backend_default_reply_cites_first_passage(tmp_path):
    backend = get_backend("fake", _ctx(tmp_path))
    assert backend.generate(_request()) == "Microsoft soll 49 Prozent an OpenAI erhalten haben. [1]"


def test_openai_compatible_closed_port_fails_fast_and_readably(tmp_path):
    port = _closed_port()
    backend = get_backend(
        "openai-compatible",
        _ctx(tmp_path, base_url=f"http://127.0.0.1:{port}/v1", model="x", timeout_s=5),
    )
    for call in (lambda: backend.generate(_request()),
                 lambda: list(backend.stream(_request()))):
        started = time.monotonic()
        with pytest.raises(BackendError) as err:
            call()
        assert time.monotonic() - started < 10
        msg = str(err.value)
        assert "openai-compatible" in msg and f"127.0.0.1:{port}" in msg
        assert "cannot reach" in msg
        assert "Traceback" not in msg


def test_openai_compatible_silent_server_times_out(tmp_path):
    # A listening socket that never answers: the kernel accepts the connection, no reply comes.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        backend = get_backend(
            "openai-compatible",
            _ctx(tmp_path, base_url=f"http://127.0.0.1:{port}/v1", timeout_s=1),
        )
        started = time.monotonic()
        with pytest.raises(BackendError) as err:
            backend.generate(_request())
        assert time.monotonic() - started < 10
    assert "within 1 s" in str(err.value) and f"127.0.0.1:{port}" in str(err.value)

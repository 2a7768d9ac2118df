"""LLM backends that talk through LangChain chat models.

- `langchain`: any provider LangChain knows, chosen by `llm.model = "provider:model"`
  (e.g. `openai:gpt-4o-mini`, `ollama:qwen2.5`), built with `init_chat_model`.
- `openai-compatible`: `ChatOpenAI` pointed at `llm.base_url`, e.g. the llama.cpp server
  (`python -m llama_cpp.server --model FILE --port 8080` -> `http://127.0.0.1:8080/v1`).

LangChain and the provider packages are imported inside the factories only. Every failure
while answering becomes a `BackendError` naming the backend and where it was talking to.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Iterator

from rag.core.config import LLMSettings
from rag.core.errors import BackendError, BackendUnavailableError, RagError
from rag.backends import register
from rag.backends.base import BackendContext, GenerationRequest, guarded_stream

# Provider prefix (as init_chat_model spells it) -> the pip package that implements it.
# Providers not listed fall back to "langchain-<provider>", LangChain's naming convention.
PROVIDER_PACKAGES: dict[str, str] = {
    "openai": "langchain-openai",
    "azure_openai": "langchain-openai",
    "anthropic": "langchain-anthropic",
    "ollama": "langchain-ollama",
    "google_genai": "langchain-google-genai",
    "google_vertexai": "langchain-google-vertexai",
    "google_anthropic_vertex": "langchain-google-vertexai",
    "bedrock": "langchain-aws",
    "bedrock_converse": "langchain-aws",
    "anthropic_bedrock": "langchain-aws",
    "mistralai": "langchain-mistralai",
    "groq": "langchain-groq",
    "cohere": "langchain-cohere",
    "fireworks": "langchain-fireworks",
    "together": "langchain-together",
    "huggingface": "langchain-huggingface",
    "deepseek": "langchain-deepseek",
    "xai": "langchain-xai",
    "perplexity": "langchain-perplexity",
    "openrouter": "langchain-openrouter",
    "nvidia": "langchain-nvidia-ai-endpoints",
    "ibm": "langchain-ibm",
    "azure_ai": "langchain-azure-ai",
}

# Providers whose chat class takes OpenAI-style max_tokens / timeout / max_retries.
_STANDARD_KWARGS = {"openai", "azure_openai", "anthropic", "groq", "deepseek", "xai",
                    "together", "fireworks", "openrouter", "mistralai", "perplexity"}


def provider_package(provider: str) -> str:
    """The pip package that provides LangChain's chat model for `provider`."""
    provider = provider.replace("-", "_").lower()
    return PROVIDER_PACKAGES.get(provider, "langchain-" + provider.replace("_", "-"))


def _describe_failure(exc: BaseException, backend: str, where: str, timeout_s: float) -> str:
    """A one-line, user-facing reason for a provider exception (classified by class name, so
    this module needs no provider SDK import)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout",
                "TimeoutError"}:
        return (f"The {backend} backend got no reply from {where} within {timeout_s:g} s. "
                "Is the server overloaded? Raise llm.timeout_s or use a smaller model.")
    if names & {"APIConnectionError", "ConnectError", "ConnectionError"}:
        return (f"The {backend} backend cannot reach {where} ({detail}). "
                "Is the server running and the URL right?")
    status = getattr(exc, "status_code", None)
    if status is not None:
        hint = {401: " Check llm.api_key.", 403: " Check llm.api_key.",
                404: " Check llm.model and llm.base_url (does it end in /v1?).",
                429: " The server is rate limiting; try again later."}.get(status, "")
        return f"The {backend} backend got HTTP {status} from {where}: {detail}.{hint}"
    return f"The {backend} backend failed talking to {where}: {type(exc).__name__}: {detail}"


def _message_text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks (Anthropic, reasoning models)
        return "".join(
            b if isinstance(b, str) else str(b.get("text", "")) if isinstance(b, dict) else ""
            for b in content
        )
    raise BackendError(f"Unexpected message content of type {type(content).__name__}.")


def to_langchain_messages(messages: tuple[dict[str, str], ...] | list[dict[str, str]]) -> list:
    """Convert {"role", "content"} dicts into LangChain message objects."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "human": HumanMessage,
             "assistant": AIMessage, "ai": AIMessage}
    out = []
    for m in messages:
        try:
            out.append(kinds[m["role"]](content=m["content"]))
        except KeyError:
            raise BackendError(f"Unsupported chat message role {m.get('role')!r}.") from None
    return out


class LangChainChatBackend:
    """Adapts a LangChain `BaseChatModel` to the `LLMBackend` protocol."""

    def __init__(self, name: str, chat_model: Any, where: str, settings: LLMSettings):
        self.name = name
        self.chat_model = chat_model
        self.where = where  # shown in error messages: a base_url or "provider:model"
        self.timeout_s = settings.timeout_s

    def _fail(self, exc: BaseException) -> BackendError:
        return BackendError(_describe_failure(exc, self.name, self.where, self.timeout_s))

    def _invoke(self, messages: list[dict[str, str]] | tuple[dict[str, str], ...]) -> str:
        lc_messages = to_langchain_messages(messages)
        try:
            reply = self.chat_model.invoke(lc_messages)
        except RagError:
            raise
        except Exception as exc:  # provider SDKs raise many unrelated types; all mean "failed"
            raise self._fail(exc) from exc
        text = _message_text(reply)
        if not text.strip():
            raise BackendError(f"The {self.name} backend got an empty reply from {self.where}.")
        return text

    def generate(self, request: GenerationRequest) -> str:
        """The whole answer for `request.messages`."""
        return self._invoke(request.messages).strip()

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield answer tokens as the model produces them."""
        lc_messages = to_langchain_messages(request.messages)
        yield from guarded_stream(
            lambda: (_message_text(chunk) for chunk in self.chat_model.stream(lc_messages)),
            self._fail, f"The {self.name} backend streamed an empty reply from {self.where}.")



def _split_provider(model: str) -> tuple[str, str]:
    if ":" not in model:
        raise BackendUnavailableError(
            f"The langchain backend needs llm.model as 'provider:model' "
            f"(e.g. openai:gpt-4o-mini, ollama:qwen2.5); got {model!r}."
        )
    provider, name = model.split(":", 1)
    return provider.replace("-", "_").lower(), name


def _provider_kwargs(provider: str, ctx: BackendContext) -> dict[str, Any]:
    s = ctx.llm
    kwargs: dict[str, Any] = {"temperature": s.temperature}
    if provider == "ollama":  # ChatOllama names these differently
        kwargs.update(num_predict=s.max_tokens, client_kwargs={"timeout": s.timeout_s})
    elif provider in _STANDARD_KWARGS:
        kwargs.update(max_tokens=s.max_tokens, timeout=s.timeout_s, max_retries=1)
    else:
        kwargs["max_tokens"] = s.max_tokens
    if s.base_url:
        kwargs["base_url"] = s.base_url
    if s.api_key:
        kwargs["api_key"] = s.api_key
    return kwargs


@register(
    "langchain",
    "Any LangChain chat model: llm.model = 'provider:model' (openai:gpt-4o-mini, ollama:qwen2.5).",
    requires=("langchain",),
    install="pip install langchain",
)
def _langchain_factory(ctx: BackendContext) -> LangChainChatBackend:
    provider, _ = _split_provider(ctx.llm.model)
    package = provider_package(provider)
    if importlib.util.find_spec(package.replace("-", "_")) is None:
        raise BackendUnavailableError(
            f"The langchain backend with provider {provider!r} needs {package}, which is not "
            f"installed. Install it with: pip install {package}"
        )
    from langchain.chat_models import init_chat_model

    try:
        chat_model = init_chat_model(ctx.llm.model, **_provider_kwargs(provider, ctx))
    except ImportError as exc:
        raise BackendUnavailableError(
            f"The langchain backend could not import {provider!r} support ({exc}). "
            f"Install it with: pip install {package}"
        ) from exc
    except ValueError as exc:  # unknown provider, or a missing API key in some integrations
        raise BackendUnavailableError(
            f"The langchain backend cannot use {ctx.llm.model!r}: {str(exc).splitlines()[0]}"
        ) from exc
    where = ctx.llm.model + (f" at {ctx.llm.base_url}" if ctx.llm.base_url else "")
    return LangChainChatBackend("langchain", chat_model, where, ctx.llm)


@register(
    "openai-compatible",
    "An OpenAI-compatible server at llm.base_url (llama.cpp server, vLLM, Ollama's /v1).",
    requires=("langchain_openai",),
    install="pip install langchain-openai",
)
def _openai_compatible_factory(ctx: BackendContext) -> LangChainChatBackend:
    s = ctx.llm
    if not s.base_url:
        raise BackendUnavailableError(
            "The openai-compatible backend needs llm.base_url, e.g. "
            "RAG_LLM__BASE_URL=http://127.0.0.1:8080/v1"
        )
    from langchain_openai import ChatOpenAI

    chat_model = ChatOpenAI(
        base_url=s.base_url,
        # Local servers serve one model and accept any name; the field must not be empty.
        model=s.model or "local-model",
        api_key=s.api_key or "not-needed",
        temperature=s.temperature,
        max_tokens=s.max_tokens,
        timeout=s.timeout_s,
        # A retry doubles the wait on a dead server; a local server gains nothing from it.
        max_retries=0,
    )
    return LangChainChatBackend("openai-compatible", chat_model, s.base_url, s)

"""Faithfulness with an LLM judge (ragas-style): the share of an answer's claims that its
cited passages support.

The answer is split into claims (its sentences, citation markers stripped). One German prompt
per answer lists the cited passages and the numbered claims, and asks for a JSON verdict per
claim. A reply that cannot be parsed into exactly one verdict per claim is an error for that
answer, never "supported"; a failing judge never stops the eval run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from rag.core.errors import ConfigError, RagError
from rag.text.sentences import split_sentences

_MARKER = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")

SYSTEM_PROMPT = (
    "Du bist ein strenger Prüfer. Du entscheidest für jede nummerierte Aussage, ob sie durch "
    "die Passagen belegt ist. Belegt heißt: Die Aussage folgt direkt aus dem Text der Passagen. "
    "Eigenes Wissen zählt nicht; was die Passagen nicht sagen, ist nicht belegt. "
    "Antworte ausschließlich mit JSON."
)
USER_TEMPLATE = (
    "<passagen>\n{passages}\n</passagen>\n\n"
    "Aussagen:\n{claims}\n\n"
    "Gib genau ein Urteil pro Aussage als JSON-Liste zurück, ohne weitere Erklärung, z. B.:\n"
    '[{{"aussage": 1, "belegt": true}}, {{"aussage": 2, "belegt": false}}]'
)


class JudgeReplyError(RagError):
    """The judge's reply holds no usable verdict list."""


def split_claims(answer: str) -> list[str]:
    """The answer's sentences without citation markers; each sentence is one claim."""
    claims = []
    for sentence in split_sentences(answer or ""):
        text = _MARKER.sub("", sentence).strip()
        if re.search(r"\w", text):
            claims.append(text)
    return claims


def cited_passages(response: dict[str, Any]) -> list[tuple[int, str]]:
    """(n, passage text) for every citation: the whole retrieved chunk it points to, since
    the citation span is just one sentence and a claim may rest on its neighbours."""
    chunks = {r.get("chunk_id"): r.get("text", "") for r in response.get("retrieved") or []}
    out = []
    for c in response.get("citations") or []:
        text = chunks.get(c.get("chunk_id")) or c.get("text") or ""
        out.append((int(c.get("n", len(out) + 1)), text.strip()))
    return out


def judge_messages(passages: list[tuple[int, str]], claims: list[str]) -> list[dict[str, str]]:
    user = USER_TEMPLATE.format(
        passages="\n\n".join(f"[{n}] {text}" for n, text in passages),
        claims="\n".join(f"{i}. {claim}" for i, claim in enumerate(claims, start=1)),
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _json_values(text: str):
    # Models wrap JSON in prose or code fences; try every bracket as a possible start.
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        yield value


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in {"ja", "true", "yes", "nein", "false", "no"}:
        return value.strip().casefold() in {"ja", "true", "yes"}
    return None


def _verdicts(value: Any, n: int) -> list[bool] | None:
    if isinstance(value, dict):  # {"urteile": [...]}: a list wrapped in an object
        lists = [v for v in value.values() if isinstance(v, list)]
        return _verdicts(lists[0], n) if len(lists) == 1 else None
    if not isinstance(value, list) or len(value) != n:
        return None
    if all(_as_bool(v) is not None for v in value):
        return [bool(_as_bool(v)) for v in value]
    found: dict[int, bool] = {}
    for i, v in enumerate(value, start=1):
        if not isinstance(v, dict):
            return None
        number = v.get("aussage", v.get("nr", v.get("claim", i)))
        verdict = _as_bool(v.get("belegt", v.get("supported")))
        if verdict is None or not isinstance(number, int) or number in found:
            return None
        found[number] = verdict
    if sorted(found) != list(range(1, n + 1)):
        return None
    return [found[i] for i in range(1, n + 1)]


def parse_verdicts(reply: str, n_claims: int) -> list[bool]:
    """Exactly one verdict per claim from the judge's reply, or JudgeReplyError."""
    for value in _json_values(reply or ""):
        verdicts = _verdicts(value, n_claims)
        if verdicts is not None:
            return verdicts
    raise JudgeReplyError(f"no JSON list of {n_claims} verdicts in the judge's reply: {reply[:200]!r}")


class Judge:
    """Scores one answer (the JSON contract) with `complete(messages) -> reply text`."""

    def __init__(self, name: str, complete: Callable[[list[dict[str, str]]], str], backend: Any = None):
        self.name = name
        self._complete = complete
        self.backend = backend  # the LLM backend behind `complete`, if any

    def __call__(self, response: dict[str, Any]) -> dict[str, Any]:
        """{"faithfulness", "claims", "supported_claims", "judge_error"}; faithfulness is
        None for refusals, answers without claims or citations, and judge errors."""
        out: dict[str, Any] = {"faithfulness": None, "claims": 0, "supported_claims": None,
                               "judge_error": None}
        if response.get("refused") or response.get("error"):
            return out
        claims = split_claims(str(response.get("answer") or ""))
        out["claims"] = len(claims)
        passages = cited_passages(response)
        if not claims:
            return out
        if not passages:  # nothing cited supports anything
            out.update(faithfulness=0.0, supported_claims=0)
            return out
        try:
            verdicts = parse_verdicts(self._complete(judge_messages(passages, claims)), len(claims))
        except RagError as exc:  # backend down, timeout, junk reply: an error, not a verdict
            out["judge_error"] = f"{type(exc).__name__}: {exc}"
            return out
        out["supported_claims"] = sum(verdicts)
        out["faithfulness"] = sum(verdicts) / len(claims)
        return out


def make_judge(name: str, settings, extra: dict[str, Any] | None = None) -> Judge:
    """A judge on the registered answer backend `name`, configured like the answer backend
    (`settings.llm`: model, base URL, model path) but with deterministic sampling."""
    if name == "extractive":
        raise ConfigError("The extractive backend cannot judge answers: it only copies passage "
                       "sentences. Choose an LLM backend for --judge, e.g. local, "
                       "openai-compatible or langchain.")
    from rag.backends import BackendContext, GenerationRequest, get_backend

    llm = settings.llm.model_copy(update={"backend": name, "temperature": 0.0,
                                          "max_tokens": max(settings.llm.max_tokens, 512)})
    ctx = BackendContext(llm=llm, models_dir=settings.paths.models_dir, extra=dict(extra or {}))
    backend = get_backend(name, ctx)

    def complete(messages: list[dict[str, str]]) -> str:
        request = GenerationRequest.for_question(messages[-1]["content"], messages=messages)
        return backend.generate(request)

    return Judge(name, complete, backend)

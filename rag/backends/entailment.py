"""An optional second opinion for claim verification: does a passage span entail a claim?

`citations.entailment = "local"` asks the local GGUF model (the `local` backend's, loaded
once and shared with it) a yes/no question in German and reads the probability of "Ja"
against "Nein" from the logits of its first answer token: one forward pass over the prompt,
no sampling. rag/answer/support.py asks it only for claims that already pass the rules.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from rag.core.config import LLMSettings
from rag.core.errors import ConfigError

PROMPT = ("Text: {text}\n\nAussage: {claim}\n\n"
          "Folgt die Aussage vollständig aus dem Text, mit denselben Handelnden, Zahlen und Rollen? "
          "Antworte nur mit Ja oder Nein.")
SYSTEM = "Du prüfst Aussagen streng gegen einen Text."


def make_entailment(name: str, llm: LLMSettings, models_dir: Path) -> Callable[[str, str], float]:
    """`entail(text, claim) -> P("Ja")` for the named checker; only "local" exists."""
    if name != "local":
        raise ConfigError(f"Unknown entailment check {name!r}; available: local (or empty: off)")
    from rag.backends.local import _load, resolve_model_path

    model, lock = _load(resolve_model_path(llm.model_path, models_dir), llm.context_window, llm.n_threads)
    return LocalEntailment(model, lock).probability


class LocalEntailment:
    def __init__(self, model, lock: threading.Lock):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.model = model
        self.lock = lock
        template = model.metadata.get("tokenizer.chat_template")
        if not template:
            raise ConfigError("The local model has no chat template, so it cannot be asked for entailment.")
        self.format = Jinja2ChatFormatter(template, eos_token="", bos_token="")
        self.yes = self._first_token("Ja")
        self.no = self._first_token("Nein")
        self.probability = lru_cache(maxsize=4096)(self._probability)

    def _first_token(self, word: str) -> int:
        return self.model.tokenize(word.encode(), add_bos=False, special=False)[0]

    def _probability(self, text: str, claim: str) -> float:
        from llama_cpp import llama_get_logits_ith

        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": PROMPT.format(text=text, claim=claim)}]
        prompt = self.format(messages=messages).prompt
        tokens = self.model.tokenize(prompt.encode(), add_bos=False, special=True)
        with self.lock:
            self.model.reset()
            self.model.eval(tokens)
            logits = np.ctypeslib.as_array(llama_get_logits_ith(self.model.ctx, -1), shape=(self.model.n_vocab(),))
            yes, no = float(logits[self.yes]), float(logits[self.no])
        return float(1.0 / (1.0 + np.exp(no - yes)))

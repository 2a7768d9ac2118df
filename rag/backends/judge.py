"""The local model as a judge of answerability (`reader.judge = "local"`).

It asks the local GGUF model (Qwen2.5-Coder-1.5B by default, the `local` backend's model and
its queue) whether the reader's best sentences answer the question, and returns the logit of
"Ja" minus that of "Nein" for the first token of its reply: no text is generated, only one
forward pass over the prompt. The reader feeds that number into its answerability model
(`ReaderModel.answerability_judged`), for any backend, the extractive one included.

The issue's probe (MLQA part 1, 120 sampled) had AUC 0.74 for this signal against 0.66 for
the reader's own probability. Only the last token's logits are read (llama.cpp keeps them
without `logits_all`, which would hold a 4096 x 151,936 float array for the context), and
the judge's instruction, the prompt's constant head, stays in llama.cpp's KV cache between
questions, so only the question and the sentences are evaluated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rag.backends.local import _load, resolve_model_path
from rag.core.config import LLMSettings
from rag.core.errors import BackendError
from rag.core.workers import SlotQueue
from pathlib import Path

SYSTEM = "Du prüfst, ob ein Text die Antwort auf eine Frage enthält. Antworte nur mit Ja oder Nein."
USER = "Text: {text}\n\nFrage: {question}\n\nSteht die Antwort auf die Frage im Text? Antworte mit Ja oder Nein."
YES, NO = ("Ja", "ja", " Ja"), ("Nein", "nein", " Nein")


class LocalJudge:
    """judge(question, sentences) -> logit("Ja") - logit("Nein"), from the local model."""

    def __init__(self, llm: Any, slots: SlotQueue):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.llm, self._slots = llm, slots
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise BackendError("The local model has no chat template; it cannot judge answerability.")
        vocab = llm.tokenizer()
        eos, bos = llm.token_eos(), llm.token_bos()
        self._format = Jinja2ChatFormatter(template, vocab.decode([eos]) if eos >= 0 else "",
                                           vocab.decode([bos]) if bos >= 0 else "")
        self._yes = self._first_tokens(YES)
        self._no = self._first_tokens(NO)

    def _first_tokens(self, words: tuple[str, ...]) -> list[int]:
        return sorted({self.llm.tokenize(w.encode("utf-8"), add_bos=False, special=False)[0] for w in words})

    def prompt_tokens(self, question: str, sentences: list[str]) -> list[int]:
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": USER.format(text=" ".join(sentences), question=question)}]
        prompt = self._format(messages=messages).prompt
        # The template's markers (<|im_start|>) are special tokens: without special=True
        # they would be read as plain text.
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def __call__(self, question: str, sentences: list[str]) -> float:
        import llama_cpp

        tokens = self.prompt_tokens(question, sentences)
        with self._slots.hold():  # the local backend's queue: one model, one caller at a time
            try:
                llm = self.llm
                # Keep the shared head of the prompt in the KV cache (llama.cpp's own
                # generate does the same); at least the last token is evaluated again.
                old = llm.input_ids[: llm.n_tokens].tolist()
                same = 0
                for a, b in zip(old, tokens[:-1]):
                    if a != b:
                        break
                    same += 1
                llm.n_tokens = same
                llm.eval(tokens[same:])
                logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
                yes, no = float(np.logaddexp.reduce(logits[self._yes])), float(np.logaddexp.reduce(logits[self._no]))
            except Exception as exc:  # llama.cpp raises plain ValueError/RuntimeError
                raise BackendError(f"The local judge failed: {type(exc).__name__}: {exc}") from exc
        return yes - no


def local_judge(llm_settings: LLMSettings, models_dir: Path) -> LocalJudge:
    """The judge on the local backend's model (loaded once, shared with the backend)."""
    path = resolve_model_path(llm_settings.model_path, models_dir)
    llm, slots = _load(path, llm_settings.context_window, llm_settings.n_threads)
    return LocalJudge(llm, slots)

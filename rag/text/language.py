"""Which language a question is in (German or English), for prompts, refusals and fusion.

A stopword vote is enough for the two languages we answer in and costs microseconds; a
general language-ID model would be another download for no gain here.
"""

from __future__ import annotations

import re

from rag.text.lexicon import ENGLISH_VOTE_WORDS, GERMAN_VOTE_WORDS


def detect_language(text: str, default: str = "de") -> str:
    words = re.findall(r"[a-zäöüß]+", text.casefold())
    if re.search(r"[äöüß]", text.casefold()):
        return "de"
    de = sum(w in GERMAN_VOTE_WORDS for w in words)
    en = sum(w in ENGLISH_VOTE_WORDS for w in words)
    if de == en:
        return default
    return "de" if de > en else "en"

"""Which language a question is in (German or English), for prompts, refusals and fusion.

A stopword vote is enough for the two languages we answer in and costs microseconds; a
general language-ID model would be another download for no gain here.
"""

from __future__ import annotations

import re

_DE = set("""der die das und ist nicht ein eine einen dem den des zu mit von für auf wie was
wer wann warum welche welcher welchen welches wo wieviel viele hat haben sind wird wurde soll
im am auch noch aus bei nach über unter oder aber sich es sie er ich wir ihr heute aktuell
seit bis vom zum zur kann können gibt""".split())
_EN = set("""the and is are not a an of to with from for on how what who when why which where
much many has have was were will would should does did do in at also still by after about
under or but it its they he she we you today currently since until can could there""".split())


def detect_language(text: str, default: str = "de") -> str:
    words = re.findall(r"[a-zäöüß]+", text.casefold())
    if re.search(r"[äöüß]", text.casefold()):
        return "de"
    de = sum(w in _DE for w in words)
    en = sum(w in _EN for w in words)
    if de == en:
        return default
    return "de" if de > en else "en"

"""Which language a question is in (German or English), for prompts, refusals and fusion.

A stopword vote is enough for the two languages we answer in and costs microseconds; a
general language-ID model would be another download for no gain here.
"""

from __future__ import annotations

import re

_DE = set("""der die das und ist nicht ein eine einen einem einer eines dem den des zu mit von
für auf wie wer wen wem wessen wann warum weshalb wieso wodurch wofür womit woran worauf
woraus worin worüber wovon wozu welche welcher welchen welchem welches wo wohin woher
wieviel viel viele hat haben hatte hatten sind war waren wird werden wurde wurden soll
sollte im am auch noch aus bei nach über unter oder aber sich sie er ich wir ihr ihre sein
seine seiner es heute aktuell seit bis vom zum zur kann können gibt gab durch gegen ohne um
zwischen während dass als nur""".split())
_EN = set("""the and is are not a of to with from for on how what who whom whose when why
which where much many has have had were will would should does did do at also still by
after about under or but it its they he she we you today currently since until can could
there this that these those than been being""".split())
# English words that carry no content, for matching English questions against German text.
ENGLISH_FUNCTION_WORDS = frozenset(_EN | {"in", "was", "an", "so", "be", "as", "into", "new"})
# Spelled alike in both languages ("in", "was", "so", "an", "man"...): such words decide
# nothing, so they are in neither list.


def detect_language(text: str, default: str = "de") -> str:
    words = re.findall(r"[a-zäöüß]+", text.casefold())
    if re.search(r"[äöüß]", text.casefold()):
        return "de"
    de = sum(w in _DE for w in words)
    en = sum(w in _EN for w in words)
    if de == en:
        return default
    return "de" if de > en else "en"

"""Elliptical follow-ups, completed from the last question by parallel structure.

"Und die Inlandsnachfrage?" after "Wie stark ist die Auslandsnachfrage ... gesunken?", "Was
ist mit dem Umsatz?" after "Wie hoch war der Verlust der Lufthansa?", "And in the US?",
"And the women's?": each phrase of the fragment takes the place of the last question's phrase
of the same role, found by what the two share: a date for a date, the same preposition, the
same head noun or compound head ("Inlands|nachfrage", "ex|ports"), a name for a name, a
common noun for a common noun, the same kind of determiner, the subject before the rest.
The question phrase is replaced only when the fragment shares its head ("Und Hybridautos?"
after "Wie viele Elektroautos ...?"). The fragment is never glued on when a phrase fits.

"Und wie viele in Graz?" asks the last question with its own question phrase, the fragment
after it in its parallel place.

"Und wer hat 2023 gewonnen?" names only a date: the last question with that date.

"Und wer wurde Zweiter?" and "And how many were injured?" name nothing of their own: they
keep their words and take over the last question's dates, places and prepositional phrases.
"""

from __future__ import annotations

from dataclasses import replace

from rag.answer.phrases import Phrase, Word, phrases_of, subject, words_of
from rag.text.language import detect_language
from rag.text.followup_lexicon import ADDITIVE_FILLERS, QUESTION_PHRASE
from rag.text.tagging import compound_head, unknown_word

_AUXILIARIES = frozenset("haben sein werden have be do will".split())
_PREP_NORMAL = {"im": "in", "ins": "in", "am": "an", "ans": "an", "zum": "zu", "zur": "zu", "vom": "von",
                "beim": "bei", "into": "in"}
# A dative article of "Was ist mit dem Umsatz?" / "Wie sieht es bei der Lufthansa aus?": the
# genders it allows, and the nominative article of that gender.
_DATIVE = {"dem": ("mn", "der"), "der": ("f", "die"), "den": ("p", "die"), "einem": ("mn", "ein"), "einer": ("f", "eine")}


def _prep(p: Phrase) -> str:
    return _PREP_NORMAL.get(p.prep.low, p.prep.low) if p.prep else ""


def _shares_head(f: Phrase, t: Phrase, english: bool) -> bool:
    a, b = f.head_word.casefold(), t.head_word.casefold()
    if not a or not b:
        return False
    if a == b:
        return True
    common = 0
    while common < min(len(a), len(b)) and a[-1 - common] == b[-1 - common]:
        common += 1
    return common >= 4 or (not english and compound_head(f.head_word) == compound_head(t.head_word))


def _score(f: Phrase, t: Phrase, subj: Phrase | None, english: bool) -> float:
    shares = _shares_head(f, t, english)
    s = 0.0
    if f.kind == "date" or t.kind == "date":
        s += 10 if f.kind == t.kind else -6
    fp, tp = _prep(f), _prep(t)
    if fp and tp:
        s += 6 if fp == tp else -3
    elif fp or tp:  # a bare name for a name after "of"/"von": "What about Bosch?" for "the CEO of Siemens"
        s -= 4 if fp else 1 if f.kind == t.kind == "name" else 3
    if shares:
        s += 5
    elif {m.low for m in f.mods if m.tag == "ADJ"} & {m.low for m in t.mods if m.tag == "ADJ"}:
        s += 4  # the same modifier, another head: "best actress" for "best actor"
    if f.owner and t.owner and not f.head:
        s += 5  # "the women's" for "the men's"
    if f.kind == t.kind and f.kind in ("name", "noun"):
        s += 3 if f.kind == "name" else 2
    elif {f.kind, t.kind} == {"name", "noun"}:
        s -= 1
    if f.det is not None and t.det is not None and f.det.tag == t.det.tag:
        s += 1
    if t is subj:
        s += 1
    if t.attr:
        s -= 2
    if f.wh and t.wh:
        s += 8  # "Und wie viele Gläubiger?": a question phrase for the question phrase
    elif t.wh and not shares:
        s -= 8
    return s


def _text(text: str, words: tuple[Word, ...]) -> str:
    return text[words[0].start:words[-1].end] if words else ""


def _recased(fragment: str, f: Phrase, t: Phrase) -> str:
    """The fragment's phrase without its preposition; a dative article that an idiom ("mit
    dem", "bei der") imposed takes the case of the phrase it replaces."""
    body = fragment[f.body_start:f.end]
    if f.det is None or f.det.low not in _DATIVE:
        return body
    genders, nominative = _DATIVE[f.det.low]
    keep = t.det is not None and t.det.tag == "DET" and (
        ("p" in genders and t.plural) or (not t.plural and set(genders) & set(t.genders) and t.genders != "mfn"))
    return (t.det.text if keep and t.det is not None else nominative) + body[len(f.det.text):]


def _replacement(base: str, fragment: str, f: Phrase, t: Phrase, idiom: bool) -> tuple[int, int, str]:
    if f.prep is not None and t.prep is not None:
        return t.start, t.end, fragment[f.start:f.end]
    if f.owner and not f.head and t.owner:  # "the women's" -> "the women's singles title"
        return t.owner[0].start, t.owner[-1].end, _text(fragment, f.owner)
    if f.det is not None and f.det.tag == "POSS" and t.owner and t.head:  # "its revenue" -> "Volkswagen's revenue"
        return (t.mods or t.head)[0].start, t.end, _text(fragment, f.mods + f.head)
    if f.det is None and not f.mods and f.kind == t.kind == "noun" and t.head:  # "imports" -> "German imports"
        return t.head[0].start, t.end, _text(fragment, f.head)
    if t.owner and t.head and not f.owner and f.kind == "noun":  # "den Exporten" -> "Chinas Exporten"
        return t.head[0].start, t.end, _text(fragment, f.mods + f.head)
    new = _recased(fragment, f, t) if idiom else fragment[f.body_start:f.end]
    return t.body_start, t.end, new


def _bare_name(p: Phrase, english: bool) -> Phrase:
    """"Und Kane für Bayern?": a German noun the tagger does not know, with no article,
    is a name (a common noun there would take one)."""
    w = p.head[0] if len(p.head) == 1 else None
    if english or p.det is not None or w is None or w.tag != "NOUN" or not unknown_word(w.text):
        return p
    return replace(p, head=(replace(w, tag="NAME"),))


def substitute(base: str, fragment: str, idiom: bool = False) -> str | None:
    """The last question `base` with each phrase of `fragment` in place of its parallel
    phrase; None when no phrase of the base fits. `idiom`: the fragment followed "Was ist
    mit" or "Wie sieht es bei" (its article is dative because of them)."""
    english = detect_language(base) == "en"
    fs = [_bare_name(p, english) for p in phrases_of(fragment, english) if p.kind != "none" or p.owner]
    ts = list(phrases_of(base))
    if not fs or not ts:
        return None
    subj = subject(tuple(ts))
    edits: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for f in fs:
        scored = sorted(((_score(f, t, subj, english), -n, n) for n, t in enumerate(ts) if n not in taken), reverse=True)
        if not scored or scored[0][0] <= 0:
            return None
        n = scored[0][2]
        taken.add(n)
        edits.append(_replacement(base, fragment, f, ts[n], idiom))
    out = base
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]
    return out


def content_poor(body: str, led: bool = False) -> bool:
    """"Und wer wurde Zweiter?", "And how many were injured?": a question that names no name,
    date or noun phrase with a complement of its own, so it asks about the last question's
    matter. `led`: it opened with "Und"/"And", which continues the last matter, so a definite
    noun phrase of its own is allowed ("Und wer bezahlt den Rest?")."""
    words = words_of(body)
    if not words or words[0].tag not in ("WH", "WHDET") or not any(w.tag == "VERB" for w in words):
        return False
    if any(w.tag in ("NAME", "MONTH", "PRON", "DEM") or (w.tag == "NUM") for w in words):
        return False
    phrases = phrases_of(body)
    return not any(p.prep is not None or p.attr or (p.det is not None and p.det.tag == "DET" and not p.wh
                                                   and not (led and p.det.low in ("der", "die", "das", "den", "dem", "the")))
                   for p in phrases)


def carry_frame(base: str, body: str) -> str | None:
    """`body` with the last question's prepositional phrases and dates after it, and its
    other names or nouns in brackets ("Wer wurde Zweiter 2023 (Ballon d'Or)?")."""
    ts = phrases_of(base)
    subj = subject(ts)
    inline = [base[t.start:t.end] for t in ts if not t.wh and (t.prep is not None or t.kind == "date")]
    other = [base[t.body_start:t.end] if t.det is None or t.det.tag != "DET" else base[t.head[0].start:t.end]
             for t in ts if not t.wh and t.prep is None and t.kind in ("name", "noun") and t is not subj and t.head]
    other += [base[subj.head[0].start:subj.end]] if subj is not None and subj.head else []
    if not inline and not other:
        return None
    out = body.rstrip(" ?!.") + (" " + " ".join(inline) if inline else "") + (f" ({', '.join(other)})" if other else "")
    return out + "?"


def ask_anew(base: str, word: str, fillers: list[str]) -> str:
    """The last question asked with another question word ("Und wann?"); an additive filler
    ("else", "noch") stays: "Who else invests in Stargate?"."""
    keep = [f for f in fillers if f.casefold() in ADDITIVE_FILLERS]
    m = QUESTION_PHRASE.match(base)
    if m:
        rest = base[m.end():]
        if keep:
            english = keep[0].casefold() in ("else", "also")
            if english:
                return m.group(1) + word + " " + " ".join(keep) + rest
            parts = rest.split(" ", 2)
            if len(parts) == 3:
                return m.group(1) + word + " " + parts[1] + " " + " ".join(keep) + " " + parts[2]
        return m.group(1) + word + rest
    return f"{word} {base[:1].lower()}{base[1:]}"  # a yes/no question: "Warum ist ...?"


def wh_fragment(base: str, body: str) -> str | None:
    """"Und wie viele in Graz?", "And when in France?": a question phrase and a fragment with
    no verb; the last question asked with that question phrase, the fragment in its place."""
    m = QUESTION_PHRASE.match(body)
    rest = body[m.end():].strip(" ?!.") if m else ""
    english = detect_language(base) == "en"
    if not m or not rest or any(w.tag == "VERB" for w in words_of(body, english)):
        return None
    wh = m.group(2)
    first = phrases_of(body, english)[:1]
    if first and first[0].wh and first[0].head and any(t.wh and t.head for t in phrases_of(base, english)):
        return substitute(base, body)  # "Und wie viele Gläubiger?": its question phrase for the last one's
    own = QUESTION_PHRASE.match(base)
    asked = base if own and own.group(2).casefold() == wh.casefold() else ask_anew(base, wh, [])
    return substitute(asked, rest)


def new_date(base: str, body: str) -> str | None:
    """"Und wer hat 2023 gewonnen?", "And who won in 2019?": a question whose one phrase of
    its own is a date; the last question with that date in place of its own."""
    english = detect_language(base) == "en"
    words = words_of(body, english)
    if not words or words[0].tag not in ("WH", "WHDET") or any(w.tag in ("NAME", "PRON", "DEM") for w in words):
        return None
    own = [p for p in phrases_of(body, english) if not p.wh and p.kind != "none"]
    if len(own) != 1 or own[0].kind != "date" or any(w.tag == "NOUN" for w in own[0].words) \
            or not any(p.kind == "date" for p in phrases_of(base, english)):
        return None
    # The same predicate ("gewonnen" ... "gewonnen"), not "Was passierte 2023?".
    asked = {w.lemma.casefold() for w in words_of(base, english) if w.tag == "VERB"}
    verbs = {w.lemma.casefold() for w in words if w.tag == "VERB" and w.lemma.casefold() not in _AUXILIARIES}
    if not verbs or not verbs <= asked:
        return None
    return substitute(base, body[own[0].start:own[0].end])

"""A German sentence cut into clause pieces, each with what opens it, for the role rules of
rag/answer/clauses.py.

Facts of German punctuation and word order, not of any one sentence:
- clauses end at punctuation, clause-joining conjunctions and subordinators; a comma between
  two attributive adjectives ("einen von Azure gehosteten, von OpenAI mitentwickelten
  Supercomputer") ends nothing;
- a piece without a verb ("Auch Nvidia, MGX und Microsoft haben ...") joins the next
  main-clause piece, and an auxiliary without its verb takes the next piece's participle;
- a relative clause opens with "der/die/das/dem/den/dessen/deren/denen" (a preposition may
  stand before it) and ends with its finite verb; it stands for the noun phrase before its
  comma, its antecedent ("Microsoft, das erst vergangene Woche angekündigt hatte, ...").
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.text.lexicon import CLAUSE_CONJUNCTIONS
from rag.text.tagging import Token
from rag.text.terms import tokenize

SUBORDINATE = ("KOUS", "PRELS", "PRELAT", "PWAV", "KOUI")
_RELATIVE_WORDS = frozenset({"der", "die", "das", "dem", "den", "dessen", "deren", "denen",
                             "welcher", "welche", "welches", "welchem", "welchen"})
_COMMA = Token(",", ",", "$,")
AND = Token("und", "und", "KON")  # marks a piece that a conjunction opened
# What may stand between a preposition and its noun: articles, numbers, adjectives.
DETERMINERS = ("ART", "PPOSAT", "PDAT", "PIAT", "PIDAT", "PWAT", "CARD", "ADJ(A)", "ADJ(D)", "ADV", "TRUNC")


@dataclass(frozen=True)
class Relative:
    """What a relative clause's pronoun is and stands for."""

    pronoun: str  # casefolded: "das", "den", "dessen", ...
    preposition: str | None  # "mit" in "..., mit dem die EU-Kommission ..."
    antecedent: tuple[Token, ...]  # the noun phrase before the comma
    determiner: str = ""  # the antecedent's article, casefolded ("die", "einen"; "" for a bare name)


def is_noun(token: Token) -> bool:
    return token.tag.startswith("NN") or is_name(token)


def is_name(token: Token) -> bool:
    """NE/FM by the tagger, or a name by its shape (an acronym, an inner capital: "BREIN")."""
    # A compound is what its last part is: "OpenAI-Mitarbeiter" is an employee, not OpenAI.
    w = token.word.rstrip("-").split("-")[-1]
    return token.tag in ("NE", "FM") or (len(w) >= 2 and any(c.isupper() for c in w[1:]) and w[0].isupper())


def is_finite(token: Token) -> bool:
    return token.tag.endswith("(FIN)")


_DASHES = frozenset({"–", "—", "-"})


def pieces(tokens: tuple[Token, ...]) -> tuple[list[list[Token]], dict[int, Relative]]:
    """The clause pieces of a tagged sentence, in order, and the relative clauses among them
    (keyed by id() of the piece's first token)."""
    raw: list[list[Token]] = [[]]
    labels: set[int] = set()  # verbless pieces before a colon: a label, no part of the clause after it
    # "Die Landesrätin musste – nicht unbedingt freiwillig – weichen": what stands between two
    # dashes is an aside with its own clause; the sentence around it goes on across it.
    dashes = [i for i, t in enumerate(tokens) if t.word in _DASHES]
    # "Berlin/Ankara – Die türkische Regierung ...": a dateline's places before the first dash
    # are a label, and that dash opens no aside.
    dateline = bool(dashes) and 0 < dashes[0] <= 4 and all(
        is_name(t) or t.word == "/" or t.tag == "XY" for t in tokens[:dashes[0]])
    paired = dashes[1:] if dateline else dashes
    aside_starts = {paired[k] + 1 for k in range(0, len(paired) - 1, 2)}
    asides: set[int] = set()
    for n, t in enumerate(tokens):
        if (t.word == "." and 0 < n < len(tokens) - 1 and tokens[n - 1].word.isdigit() and len(tokens[n - 1].word) <= 2
                and tokens[n + 1].word[:1].isalpha() and not tokens[n + 1].tag.startswith("$")):
            continue  # "am 31. März", "der 2. Stock": an ordinal's point ends no clause (a year's does)
        if t.word in _DASHES:
            if dateline and n == dashes[0]:
                labels.update(id(p[0]) for p in raw if p)
            raw.append([])
            continue
        if n in aside_starts and not raw[-1]:
            asides.add(id(t))
        if t.tag == "$," and raw[-1] and raw[-1][-1].tag == "ADJ(A)":
            continue  # "einen von Azure gehosteten, von OpenAI mitentwickelten Supercomputer"
        boundary = t.tag.startswith("$") or t.tag == "XY" or (t.tag == "KON" and t.word.casefold() in CLAUSE_CONJUNCTIONS)
        if boundary:
            if t.word == ":" and raw[-1] and not any(x.tag.startswith("V") for x in raw[-1]):
                labels.add(id(raw[-1][0]))  # "Skalierung der Infrastruktur: Microsoft würde ..."
            raw.append([AND] if t.tag == "KON" else [])
            continue
        if t.tag in SUBORDINATE and raw[-1]:
            # "..., mit dem die EU-Kommission ...": the preposition opens the relative clause.
            carried = [raw[-1].pop()] if raw[-1][-1].tag in ("APPR", "APPRART") else []
            raw.append(carried)
        raw[-1].append(t)
    raw = [p for p in raw if p and p != [AND]]
    relatives: dict[int, Relative] = {}
    for before, piece in zip(raw, raw[1:]):
        if (rel := _relative(piece, before)) is not None:
            relatives[id(piece[0])] = rel
    return _merged(raw, relatives, labels | asides, asides), relatives


def _relative(piece: list[Token], before: list[Token]) -> Relative | None:
    prep = piece[0].lemma.casefold() if piece[0].tag in ("APPR", "APPRART") and len(piece) > 1 else None
    head = piece[1] if prep else piece[0]
    if head.word.casefold() not in _RELATIVE_WORDS or not _verb_final(piece):
        return None
    # "..., die Konkurrenz wächst": an article, its noun and a verb are a main clause.
    rest = piece[(2 if prep else 1):-1]
    if head.tag not in ("PRELS", "PRELAT") and rest and all(is_noun(t) or t.tag in ("ADJ(A)", "CARD") for t in rest):
        return None
    antecedent = _last_phrase(before)
    if not antecedent:
        return None
    at = len(before) - 1 - before[::-1].index(antecedent[0])
    det = next((t.word.casefold() for t in reversed(before[:at]) if t.tag in ("ART", "PPOSAT", "PDAT", "PIAT")), "")
    det = det if at and before[at - 1].tag in ("ART", "PPOSAT", "PDAT", "PIAT", "ADJ(A)") else ""
    return Relative(head.word.casefold(), prep, antecedent, det)


def _verb_final(piece: list[Token]) -> bool:
    """Does the finite verb close the piece ("... angekündigt hatte", not "... hat angekündigt")?"""
    last = max((i for i, t in enumerate(piece) if t.tag.startswith("V")), default=-1)
    # "..., das einen Verlust erwartet": a lone verb HanTa reads as a participle is the present
    # tense spelled alike; a relative clause has a finite verb.
    alone = last > 0 and piece[last].tag == "VV(PP)" and sum(t.tag.startswith("V") for t in piece) == 1
    return last > 0 and (is_finite(piece[last]) or alone) and all(t.tag.startswith("PTK") for t in piece[last + 1:])


def _last_phrase(piece: list[Token]) -> tuple[Token, ...]:
    """The last noun phrase of a piece: its nouns with the determiners before them."""
    end = max((i for i, t in enumerate(piece) if is_noun(t)), default=None)
    if end is None:
        return ()
    start = end
    while start > 0 and is_noun(piece[start - 1]):
        start -= 1
    return tuple(piece[start:end + 1])


def _merged(raw: list[list[Token]], relatives: dict[int, Relative], labels: set[int],
            asides: set[int] = frozenset()) -> list[list[Token]]:
    # A verbal bracket across a conjunction ("hat einen Streitfall zwischen A und B an den
    # EuGH weitergeleitet"): an auxiliary without its verb takes the next piece's participle.
    merged: list[list[Token]] = []
    # Asides take no part in the clauses around them: they are read after them, on their own.
    aside = [p for p in raw if id(p[0]) in asides]
    for piece in (p for p in raw if id(p[0]) not in asides):
        verbless = not any(t.tag.startswith("V") for t in piece)
        if merged and _open_bracket(merged[-1]) and (_bracket_end(piece) or verbless) and id(piece[0]) not in relatives:
            merged[-1] = merged[-1] + [_COMMA] + piece  # an apposition may stand in between
        else:
            merged.append(piece)
    out: list[list[Token]] = []
    pending: list[Token] = []
    for piece in merged:
        if id(piece[0]) in labels and not pending:
            out.append(piece)
        elif any(t.tag.startswith("V") for t in piece):
            opens_own = piece[0].tag in SUBORDINATE or id(piece[0]) in relatives
            # An infinitive with "zu" has no subject of its own: a verbless piece before it
            # ("Ein erster Versuch der Sicherheitskräfte am Dienstag, die Geiseln zu befreien,
            # wurde ...") waits for the finite clause.
            infinitive = any(t.tag in ("VV(IZU)", "PTKZU") for t in piece) and not any(is_finite(t) for t in piece)
            if pending and not opens_own and not infinitive:
                piece, pending = pending + [_COMMA] + piece, []
            out.append(piece)
        elif out and not pending:
            out[-1] = out[-1] + [_COMMA] + piece  # "..., davon 1,6 Milliarden Euro für ...", "(Ortszeit)"
        else:
            pending += ([_COMMA] if pending else []) + piece  # "Nvidia, MGX und Microsoft haben ..."
    if pending:
        if out:
            out[-1] = out[-1] + [_COMMA] + pending
        else:
            out.append(pending)
    return out + aside


def _open_bracket(piece: list[Token]) -> bool:
    return any(t.tag in ("VA(FIN)", "VM(FIN)") for t in piece) and not any(t.tag.startswith("VV") for t in piece)


def _bracket_end(piece: list[Token]) -> bool:
    return piece[0].tag not in SUBORDINATE and not any(is_finite(t) for t in piece) and any(
        t.tag in ("VV(PP)", "VV(INF)", "VA(PP)", "VA(INF)", "VV(IZU)") for t in piece)


def _stem(word: str) -> str:
    stems = tokenize(word)
    return stems[0] if stems else word.casefold()


def phrase_key(tokens: list[Token]) -> tuple[frozenset[str], bool]:
    """What identifies a noun phrase: its names' stems, else its head noun's; and whether it is a name."""
    names = [t for t in tokens if is_name(t)]
    if names:
        # "Microsofts" is Microsoft: the genitive s goes, as the lemma says.
        return frozenset(_stem(t.lemma if t.lemma.casefold() != t.word.casefold() else t.word) for t in names), True
    head = tokens[-1].word.split("-")[-1]
    return frozenset({_stem(head)}), False


def phrase_words(tokens: list[Token]) -> frozenset[str]:
    """The stems of every word of a phrase ("Landeshauptmann Hans Niessl")."""
    return frozenset(s for t in tokens for part in t.word.split("-") for s in tokenize(part))


def without_brackets(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """A parenthesis ("Profi (MVP) der Vorrunde", "(11,8 Milliarden Euro)") restates or adds
    an aside; it takes no part in the clause around it."""
    out, depth = [], 0
    for t in tokens:
        if t.word == "(":
            depth += 1
        elif t.word == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(t)
    return tuple(out) if not depth else tokens

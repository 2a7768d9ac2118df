"""A clause's verb and voice, by German verb morphology and word order (for
rag/answer/clauses.py): its content verb with its particle, active or passive (werden + past
participle, or a participle phrase), a copula, a state passive or a verb of measure (its
subject does nothing), and speech reported after the quote with its own subject.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer.pieces import is_finite
from rag.text.lexicon import COPULA_LEMMAS, MEASURE_VERBS, REPORTING_VERBS, SUBJECT_PRONOUNS
from rag.text.tagging import Token

_PAST_WERDEN = frozenset({"wurde", "wurden", "wurdest", "wurdet", "worden"})
AUXILIARIES = frozenset({"sein", "haben", "werden"})


@dataclass
class Voice:
    passive: bool
    theme: bool  # a copula, a state passive or a verb of measure
    copula: bool


def main_verb(clause: list[Token]) -> str:
    verbs = [t for t in clause if t.tag.startswith("VV")] or [t for t in clause if t.tag.startswith("V")]
    if not verbs:
        return ""
    lemma = verbs[-1].lemma.casefold()
    particle = next((t.word.casefold() for t in clause if t.tag == "PTKVZ"), "")
    return lemma if not particle or lemma.startswith(particle) else particle + lemma


def voice(piece: list[Token], inherited: bool = False, headline: bool = False) -> Voice:
    """`headline`: the piece is a sentence of its own that ends in a participle without an
    auxiliary ("18 Menschen verschleppt."): a headline drops its "wurden"."""
    finite = any(is_finite(t) for t in piece)
    # "würde ... erhalten": a participle spelled like its infinitive is read as the infinitive;
    # after "wurde" or "worden" it is a participle ("wurde ... entlassen").
    past = any(t.word.casefold() in _PAST_WERDEN for t in piece)
    participle = any(t.tag == "VV(PP)" and (past or t.word.casefold() != t.lemma.casefold()) for t in piece)
    if inherited and participle and not finite:
        return Voice(True, False, False)  # "..., nach kurzer Zeit aber wieder eingesetzt"
    # werden + participle, or a participle phrase ("angeführt von Thrive Capital").
    passive = participle and (any(t.lemma == "werden" and t.tag.startswith("VA") for t in piece)
                              or (not finite and piece[0].tag == "VV(PP)") or (headline and not finite))
    content = [t.lemma.casefold() for t in piece if t.tag.startswith("VV")]
    copula = not passive and all(v in COPULA_LEMMAS for v in content) and any(
        t.tag.startswith("V") and t.lemma.casefold() in COPULA_LEMMAS for t in piece)
    # "sind auf das 100-fache begrenzt", "ist gestiegen": sein with a participle states a state.
    state = not passive and participle and any(t.lemma == "sein" and t.tag.startswith("VA") for t in piece)
    measure = any(v in MEASURE_VERBS for v in content)
    return Voice(passive, copula or state or measure, copula)


def bracketed(piece: list[Token]) -> list[Token]:
    """A clause has one finite verb: a content verb closing a clause whose finite auxiliary
    stands before it is its participle, whatever the tagger said ("sind ... begrenzt",
    HanTa: VV(FIN))."""
    aux = next((i for i, t in enumerate(piece) if t.tag == "VA(FIN)" and t.lemma.casefold() in AUXILIARIES), None)
    if aux is None:
        return piece
    return [Token(t.word, t.lemma, "VV(PP)") if i > aux and t.tag == "VV(FIN)" and t.word.casefold() != t.lemma.casefold()
            and (i + 1 == len(piece) or piece[i + 1].tag.startswith("$")) else t for i, t in enumerate(piece)]


def reports(piece: list[Token]) -> bool:
    """"..., sagte WTO-Chef Roberto Azevedo", "..., schreibt er": speech reported after it,
    with its own subject after the verb."""
    # "..., teilte das Ministerium mit": the verb with its separated particle.
    particle = next((t.word.casefold() for t in piece if t.tag == "PTKVZ"), "")
    lemma = piece[0].lemma.casefold()
    return lemma in REPORTING_VERBS or particle + lemma in REPORTING_VERBS or (
        len(piece) > 1 and piece[1].tag == "PPER" and piece[1].word.casefold() in SUBJECT_PRONOUNS)

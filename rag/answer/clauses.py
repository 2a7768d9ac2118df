"""A German sentence as clauses, each with its verb, its participants' roles and its
quantities: enough structure to tell who did what to whom (rag/answer/roles.py).

Rules over the tags of rag.text.tagging and the pieces of rag/answer/pieces.py, facts of German
word order and case, not of any one sentence:
- the participants' roles: rag/answer/participants.py;
- a piece that opens with a finite verb after "und" or after a main clause's comma ("...,
  erzielte aber dennoch die meisten Zähler") has the subject of the clause before, unless it
  reports speech with its own ("..., sagte Azevedo", "..., schreibt er");
- a quantity is a number with its unit words ("49 %", "1,6 Milliarden Euro") and the noun it
  counts, if one follows ("... Euro Flüchtlingskosten", "... Euro für Sozialleistungen").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rag.answer.participants import AGENT, OF, PATIENT, PREDICATE, TARGET, THEME, Mention, roles, subject_role
from rag.answer.pieces import AND, SUBORDINATE, is_finite, is_name, is_noun, pieces, without_brackets
from rag.answer.quantities import Quantity, quantities
from rag.answer.verbs import AUXILIARIES, Voice, bracketed, main_verb, reports, voice
from rag.text.tagging import tag
from rag.text.terms import tokenize

__all__ = ["AGENT", "OF", "PATIENT", "PREDICATE", "TARGET", "THEME", "Clause", "Mention", "Quantity", "clauses",
           "is_name"]


# A verb-final clause these open has a finite verb, however tagged ("dass OpenAI ... erwartet").
_OPENS_SUBORDINATE = frozenset({"KOUS", "KOUI", "PRELS", "PRELAT", "PWAV", "PWS", "PWAT"})


@dataclass(frozen=True)
class Clause:
    verb: str  # the content verb's lemma, particle included ("anführen"); "sein:<predicate>"; "" if none
    passive: bool
    mentions: tuple[Mention, ...]
    quantities: tuple[Quantity, ...]
    words: frozenset[str]  # content stems
    agent_pronoun: bool  # the subject is a pronoun or a description ("er", "der Konzern")


@lru_cache(maxsize=8192)
def clauses(sentence: str) -> tuple[Clause, ...]:
    """The clauses of one sentence (or of a few joined ones), in order."""
    out: list[Clause] = []
    cut, relatives = pieces(without_brackets(tag(sentence)))
    main_before = False  # the piece before is a main clause (its subject may go on)
    noun_before = False  # the piece before ends with a noun, which an infinitive may belong to
    aux_before = False  # the piece before has a finite auxiliary (sein, haben, werden)
    for n, raw in enumerate(cut):
        relative = relatives.get(id(raw[0]))
        opened = raw[0] is AND
        piece = bracketed([t for t in raw if t is not AND])
        finite = any(is_finite(t) for t in piece)
        verb_first = is_finite(piece[0])
        # "... würde Microsoft Einfluss erhalten und die KI-Technologie integrieren": a piece
        # after "und" without a finite verb shares the subject before it; so does an infinitive
        # with zu ("bemüht sich darum, ein Schiedsgericht einzuberufen"), a finite verb right
        # after "und" ("... war sich nicht sicher und hat Fragen an den EuGH verwiesen") and
        # one right after a main clause's comma ("James traf ..., erzielte aber ...").
        # An infinitive right after a noun belongs to it ("ein Versuch der Sicherheitskräfte,
        # die Geiseln zu befreien", "ermöglichte es OpenAI, ... zu entwickeln"): its subject is
        # not the clause's.
        infinitive = any(t.tag == "VV(IZU)" or t.tag == "PTKZU" for t in piece)
        # "wurde ... entlassen, nach kurzer Zeit aber wieder eingesetzt": a participle without
        # its auxiliary after a main clause with one shares that clause's subject and voice.
        elliptic = (main_before and aux_before and not finite and piece[0].tag != "VV(PP)"
                    and any(t.tag in ("VV(PP)", "VA(PP)") for t in piece))
        shared = bool(out) and relative is None and (
            (opened and (verb_first or not finite)) or (infinitive and not finite and not noun_before)
            or (verb_first and main_before and not reports(piece)) or elliptic)
        inherited = shared and not finite and bool(out) and out[-1].passive
        main_before = relative is None and piece[0].tag not in SUBORDINATE and (not verb_first or shared)
        aux_before = any(t.tag == "VA(FIN)" and t.lemma.casefold() in AUXILIARIES for t in piece)
        noun_before = is_noun(piece[-1])
        words = [t for t in piece if not t.tag.startswith("$")]
        headline = (len(cut) == 1 and bool(words) and words[-1].tag == "VV(PP)"
                    and not any(t.tag.startswith("VA") or t.tag in _OPENS_SUBORDINATE for t in piece))
        mood = voice(piece, inherited, headline)
        # "ist eine Frau festgenommen und in die Justizanstalt eingeliefert worden": the
        # "worden" closing the second participle closes the first too.
        after = cut[n + 1] if n + 1 < len(cut) else []
        if (mood.theme and not mood.copula and after and after[0] is AND and any(t.tag == "VV(PP)" for t in piece)
                and after[-1].word.casefold() == "worden"):
            mood = Voice(True, False, False)
        # The relative pronoun (with its preposition) is its antecedent, not a determiner.
        own = piece[(2 if relative.preposition else 1):] if relative is not None else piece
        # An infinitive with "zu" names no subject of its own ("die Geiseln zu befreien").
        mentions, agent_pronoun = roles(own, mood, shared or (infinitive and not finite), relative)
        if shared:
            before = out[-1]
            role = subject_role(mood)
            mentions += [Mention(m.key, role, m.name, m.text, m.words) for m in before.mentions
                         if m.role == (PATIENT if before.passive else AGENT) or m.role == THEME]
            agent_pronoun = before.agent_pronoun
        words = {s for t in piece if t.tag[:1] in "NVA" or t.tag in ("NE", "FM", "CARD") for s in tokenize(t.word)}
        words |= {s for m in mentions for s in m.key}  # with a subject it shares
        verb = main_verb(piece)
        if mood.copula:
            # "ist Autor eines Gesetzesentwurfs", "bleibt der größte Kapitalgeber", "wird zum
            # Cloud-Partner": the predicate says what the clause is about.
            predicate = next((m for m in mentions if m.role == PREDICATE), None) or next(
                (m for m in mentions if m.role in ("prep:zum", "prep:zur")), None)
            verb = f"sein:{min(predicate.key)}" if predicate else "sein"
        out.append(Clause(verb, mood.passive, tuple(mentions), tuple(quantities(piece)), frozenset(words),
                          agent_pronoun))
    return tuple(out)

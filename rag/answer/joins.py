"""Checks for a claim that several sentences support together (rag/answer/windows.py): each
of its facts must stand in the one sentence that tells it, and a description it gives a
name must be that name's in the passage.

- The sentence that tells a claim clause is the one with its verb (else the one sharing most
  of its words). A name in the clause's object or target role must stand there: "Microsoft
  sollte die Ressourcen für Oracle bereitstellen" is not "... für das KI-Unternehmen
  bereitstellen" plus "Verhandlungen mit Oracle" two sentences on; so must a name in another
  role ("die Gastgeber aus Cleveland"), unless the headline has it. A name in its subject role
  may instead be what the sentence's unnamed subject stands for ("Der wertvollste Profi
  verfehlte ..." after "... hatte Warriors-Spielmacher Stephen Curry"): the named subject of
  a sentence before it in the window, or of the headline. A description ("die Maschine") may
  stand in any of them: it names no one.
  Its numbers, a year too, must stand in that sentence ("Im Jahr 2019 investierte Microsoft
  13 Milliarden" does not join a sentence with 2019 and one with the 13 Milliarden).
- An apposition ("Heiko Maas, der Vorsitzende des Zentralrats, ...") says the name is the
  description. When the passage gives that description to another name ("sein Vorsitzender
  Romani Rose") and never to this one, the claim joins the facts of two people.

Facts of German reference, not of any claim; hand-written because no coreference resolver for
German installs here (see ../shared/MODELS.md).
"""

from __future__ import annotations

from rag.answer.clauses import Clause, Mention, clauses
from rag.answer.facts import numbers_in
from rag.answer.roles import CORE_ROLES, SUBJECT_ROLES, agent_names, coarse
from rag.text.lexicon import LIGHT_VERBS
from rag.text.sentences import sentence_spans
from rag.text.terms import tokenize


def _in(key: frozenset[str], stems: set[str]) -> bool:
    """Is a mention's key among these stems (a name inflected, "Microsofts", or part of a
    compound: "Warriors-Spielmacher")?"""
    return any(any(w == k or w.startswith(k) for w in stems) for k in key)


def _telling(c: Clause, members: list[tuple[Clause, ...]]) -> tuple[list[int], bool]:
    """The members that tell clause c's event, and whether by its verb: those with its verb,
    else the one sharing most words."""
    if c.verb and c.verb not in LIGHT_VERBS:
        same = [i for i, m in enumerate(members) if any(s.verb == c.verb for s in m)]
        if same:
            return same, True
    overlap = [max((len(c.words & s.words) for s in m), default=0) for m in members]
    return ([max(range(len(members)), key=lambda i: overlap[i])] if members else []), False


def spread_conflict(claim: str, texts: list[str], headline: str = "") -> str:
    """Why the sentences `texts` (in passage order) do not each state their part of the claim
    with its names, or "" when they do."""
    members = [clauses(t) for t in texts]
    stems = [set(tokenize(t)) for t in texts]
    for c in clauses(claim):
        telling, by_verb = _telling(c, members)
        verb = c.verb.split(":")[0]
        if verb and verb not in LIGHT_VERBS and not by_verb and not _named_event(verb, stems):
            # The sentences must tell the claim's event, as a verb or its noun ("unterstützte"
            # from "erhielt Unterstützung"), not only hold its participants.
            return f"no sentence there tells “{verb}”"
        for q in c.quantities:
            # A number, a year too, belongs to the event of the sentence that states it. A
            # clause without a verb of the passage ("hatte ... an Bord", "betragen" for "sein")
            # may gather them from its sentences; their roles are checked all the same.
            gather = not by_verb and (not c.verb or c.verb.split(":")[0] in LIGHT_VERBS)
            if not any(q.values & numbers_in(texts[i]) for i in (range(len(texts)) if gather else telling)):
                return f"{sorted(q.values)[0]} is not stated where the passage tells that"
        for m in c.mentions:
            role = coarse(m.role)
            if not m.name or any(_in(m.key, stems[i]) for i in telling):
                continue
            # A name in the headline is its context (headline_roles has checked its role).
            if role not in CORE_ROLES and _in(m.key, set(tokenize(headline))):
                continue
            if role in SUBJECT_ROLES and any(_stands_for(m, c, members[i], texts[:i], headline) for i in telling):
                continue
            return f"the sentence that tells it does not name “{m.text}”"
    return ""


def _named_event(verb: str, stems: list[set[str]]) -> bool:
    root = next(iter(tokenize(verb)), "")
    root = root[:max(5, len(root) - 2)]
    return bool(root) and any(w.startswith(root) for words in stems for w in words)


def _stands_for(m: Mention, c: Clause, member: tuple[Clause, ...], before: list[str], headline: str) -> bool:
    """Does the unnamed subject of the member's clause that tells c stand for m: the named
    subject of the sentence before it in the window, or of the headline?"""
    same = [s for s in member if s.verb == c.verb] or list(member[:1])
    if not same or not same[0].agent_pronoun:
        return False
    antecedents = [agent_names(t) for t in reversed(before)] + [agent_names(p) for p in headline.split("\n") if p]
    first = next((a for a in antecedents if a), frozenset())
    return bool(first & m.key)


APPOSITION_REASON = "the passage calls"  # how apposition_conflict's reasons begin


def apposition_conflict(claim: str, passage: str) -> str:
    """A description the claim puts beside a name ("Heiko Maas, der Vorsitzende ...") that the
    passage gives to another name and never to this one."""
    theirs = [x for c in clauses_of(passage) for x in c.mentions if x.name]
    for c in clauses(claim):
        names = [m for m in c.mentions if m.name]
        for d in (m for m in c.mentions if not m.name):
            beside = [n for n in names if n.role == d.role and coarse(d.role) in CORE_ROLES + SUBJECT_ROLES]
            for n in beside:
                others = [x for x in theirs if d.key <= x.words and not x.key & n.key]
                own = [x for x in theirs if d.key <= x.words and x.key & n.key]
                if others and not own:
                    return f"{APPOSITION_REASON} “{others[0].text}”, not “{n.text}”, {d.text}"
    return ""


def clauses_of(passage: str) -> tuple[Clause, ...]:
    """The clauses of every sentence of a passage."""
    return tuple(c for s, e in sentence_spans(passage) for c in clauses(passage[s:e]))

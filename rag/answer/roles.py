"""Who did what to whom: does a passage span give the claim's participants the claim's roles?

Word overlap and embedding similarity accept "OpenAI strebt eine Beteiligung von 49 % an
Microsoft an" from "dass Microsoft eine Beteiligung von 49 % an OpenAI anstrebt": the words
are the same. Over the clauses of both (rag/answer/clauses.py), a claim clause is compared
with the span's clause of the same verb, or else the one that shares most of its words:

1. the same participant in another role: the claim's agent is the span's target or patient;
2. another participant in the role: the claim's agent (or patient, or target) is not the
   span's, where the span names its own; an unnamed one ("der Konzern", "er") stands for the
   agent of the sentence before, or the headline's name, when that is a name;
3. a quantity with another unit ("29 %" for "29 Milliarden") or counting another thing
   ("1,6 Milliarden Euro Flüchtlingskosten" where 1,6 Milliarden are for Sozialleistungen);
4. the swap test: when the claim with two of its participants swapped matches the span as
   well as the claim itself, the span does not say who did what, and nothing is verified.

Each rule is a fact of German grammar, not of any claim; a span that leaves a role open
(no participant in it) never conflicts, so a headline may fill it.
"""

from __future__ import annotations

import re
from itertools import combinations

from rag.answer.clauses import AGENT, OF, PATIENT, TARGET, Clause, Mention, clauses, is_name
from rag.text.lexicon import LIGHT_VERBS
from rag.text.tagging import tag
from rag.text.terms import tokenize

_CORE = (AGENT, PATIENT, TARGET)


def _coarse(role: str) -> str:
    return role if role in (AGENT, PATIENT, TARGET, OF) else "other"


def _match(c: Clause, span: tuple[Clause, ...]) -> tuple[list[Clause], bool]:
    """The span clauses a claim clause is about: those of the same verb (True), else the one
    that shares most words with it (False)."""
    if c.verb and c.verb not in LIGHT_VERBS:
        same = [s for s in span if s.verb == c.verb]
        if same:
            return same, True
    best = max(span, key=lambda s: len(c.words & s.words), default=None)
    return ([best] if best is not None and len(c.words & best.words) >= 2 else []), False


def _has(s: Clause, m: Mention, role: str) -> bool:
    return any(x.key & m.key and _coarse(x.role) == role for x in s.mentions)


def _clause_conflict(c: Clause, s: Clause, antecedents: frozenset[str], topics: set[str], nearby: set[str],
                     same_verb: bool) -> str:
    for m in c.mentions:
        role = _coarse(m.role)
        if role not in _CORE or _has(s, m, role):
            continue
        other = next((x for x in s.mentions if x.key & m.key and _coarse(x.role) in _CORE), None)
        if other is not None:
            return f"“{m.text}” is the {_coarse(other.role)} there, not the {role}"
        if not same_verb:
            continue  # another verb's participants say nothing about this one's
        fillers = [x for x in s.mentions if _coarse(x.role) == role]
        if role == AGENT and m.name and s.agent_pronoun and antecedents and not any(f.name for f in fillers):
            if not antecedents & m.key:
                return f"the {role} there is {'/'.join(sorted(antecedents))}, not “{m.text}”"
            continue
        named = [f for f in fillers if f.name]
        if named and (m.name or m.key <= nearby):
            return f"the {role} there is “{named[0].text}”, not “{m.text}”"
        # A description ("das KI-Unternehmen") may stand for what the headline is about.
        if fillers and not named and m.key <= nearby and not m.key & topics:
            return f"the {role} there is “{fillers[0].text}”, not “{m.text}”"
    return ""


def _role_elsewhere(c: Clause, own: tuple[Clause, ...]) -> str:
    """A participant the span gives another role, and never the claim's, in any of its
    clauses ("Ein Gericht ... hat Fragen an den EuGH verwiesen" for the court as target)."""
    for m in c.mentions:
        role = _coarse(m.role)
        if role not in _CORE or any(_has(s, m, role) for s in own):
            continue
        other = next((x for s in own for x in s.mentions if x.key & m.key and _coarse(x.role) in _CORE), None)
        if other is not None:
            return f"“{m.text}” is the {_coarse(other.role)} there, not the {role}"
    return ""


def _quantity_conflict(c: Clause, own: tuple[Clause, ...], span: tuple[Clause, ...]) -> str:
    owners = {k for s in span for q in s.quantities for k in q.owner}
    verb_in_own = c.verb and c.verb not in LIGHT_VERBS and any(s.verb == c.verb for s in own)
    for q in c.quantities:
        same = [x for s in span for x in s.quantities if x.values & q.values]
        if not same:
            continue
        if verb_in_own and not q.year and not any(x.values & q.values for s in own for x in s.quantities):
            # "31 Prozent ... gaben an": the sentence's "gab an" has no 31 %; only the headline
            # has it, in another statement. A headline lends its subject, not its numbers to
            # the sentence's events.
            return f"{sorted(q.values)[0]} belongs to another statement there"
        if q.unit and all(x.unit and x.unit != q.unit for x in same):
            return f"{sorted(q.values)[0]} is no {q.unit} there"
        if q.owner and q.owner & owners and all(x.owner and not x.owner & q.owner for x in same):
            return f"{sorted(q.values)[0]} counts something else there"
    return ""


def _swap_undecided(c: Clause, span: tuple[Clause, ...]) -> str:
    everywhere = [m for s in span for m in s.mentions]

    def found(m: Mention, role: str) -> bool:
        return any(x.key & m.key and _coarse(x.role) == role for x in everywhere)

    roles = [(m, _coarse(m.role)) for m in c.mentions if _coarse(m.role) in _CORE]
    for (a, ra), (b, rb) in combinations(roles, 2):
        if ra == rb or a.key & b.key or not (any(x.key & a.key for x in everywhere)
                                             and any(x.key & b.key for x in everywhere)):
            continue
        kept = found(a, ra) + found(b, rb)
        swapped = found(a, rb) + found(b, ra)
        if swapped >= kept:
            return f"the passage does not say which of “{a.text}” and “{b.text}” is the {ra}"
    return ""


def agent_names(text: str) -> frozenset[str]:
    """The named agent of the last clause that has one (what "er", "der Konzern" point to)."""
    for s in reversed(clauses(text)) if text else ():
        names = [m for m in s.mentions if m.role == AGENT and m.name]
        if names:
            return frozenset().union(*(m.key for m in names))
    return frozenset()


def role_conflict(claim: str, span: str, context: str = "", previous: str = "", known: str = "") -> str:
    """Why `span` (with `context`: its headline and teaser) does not give the claim's
    participants the claim's roles, or "" when it does or cannot tell. `previous`: the text
    before the span, whose agent an unnamed agent of the span stands for; `known`: the whole
    passage, whose participants may not stand in for each other."""
    claim_clauses = clauses(claim)
    own = clauses(span)
    span_clauses = own + tuple(c for part in context.split("\n") if part for c in clauses(part))
    if not claim_clauses or not span_clauses:
        return ""
    antecedents = agent_names(previous) or agent_names(context.split("\n")[-1])
    nearby = set(tokenize(f"{context} {span} {previous} {known}"))
    topics = {k for k, role in _headline_offers(context) if role == "any"}
    for c in claim_clauses:
        if why := _role_elsewhere(c, own):
            return why
        # The span's own clauses; the headline's only when the span has none about it.
        matched, same_verb = _match(c, own)
        if not matched:
            matched, same_verb = _match(c, span_clauses)
        reasons = [_clause_conflict(c, s, antecedents, topics, nearby, same_verb) for s in matched]
        if matched and all(reasons):
            return reasons[0]
        # The swap test reads the span alone: a name it borrows from the headline is checked
        # by headline_roles.
        why = _quantity_conflict(c, own, span_clauses) or _swap_undecided(c, own)
        if why:
            return why
    return ""


def _headline_offers(headline: str) -> set[tuple[str, str]]:
    """(key, role) of each participant of the headline parts; role "any" for a topic: the
    subject of a part's first clause, or whatever a verbless part names."""
    offered = set()
    for part in headline.split("\n") if headline else ():
        for i, c in enumerate(clauses(part)):
            for m in c.mentions:
                topic = not c.verb or (i == 0 and m.role in (AGENT, "theme"))
                offered |= {(k, "any" if topic else _coarse(m.role)) for k in m.key}
    return offered


def headline_roles(claim: str, names: list[str], headline: str) -> str:
    """A name the claim takes from the headline (its sentence lacks it) must be the headline's
    subject, or what a verbless headline is about ("500 Milliarden für Stargate"), or play
    there the role it plays in the claim: the headline's subject joins the body's facts, its
    other names do not ("OpenAI darf ... außer Microsoft nutzen" lends no "für Microsoft")."""
    keys = set(tokenize(" ".join(names)))
    # Only who did what to whom must match; an attribute ("die Studie von Crisp Research")
    # may name the headline's topic in any role.
    wanted = {(k, _coarse(m.role)) for c in clauses(claim) for m in c.mentions for k in m.key
              if k in keys and _coarse(m.role) in _CORE}
    offered = _headline_offers(headline)
    for key, role in wanted:
        if (key, role) not in offered and (key, "any") not in offered:
            return f"the headline does not name “{key}” as the {role}"
    return ""


def unstated_names(claim: str, text: str, passage: str = "") -> list[str]:
    """The claim's names (by the tagger, or by shape) that `text` does not mention. A name
    may be inflected there ("Microsofts"), so a prefix match suffices; a run of names is one
    name ("Benedetto Della Vedova") and is mentioned by its last word, when its other words
    stand in the passage."""
    mentions = " ".join(re.findall(r"[\w'-]+", text.casefold()))
    everywhere = " ".join(re.findall(r"[\w'-]+", passage.casefold())) if passage else mentions

    def said(word: str, where: str) -> bool:
        parts = [p for p in word.split("-") if len(p) >= 2 and p[0].isupper()]
        return all(re.search(r"\b" + re.escape(p.casefold()), where) for p in parts)

    runs: list[list[str]] = []
    previous_was_name = False
    for t in tag(claim):
        if not is_name(t) or not t.word[:1].isalpha():
            previous_was_name = False
            continue
        # "Microsofts" in the claim is Microsoft: the tagger's lemma drops the genitive s.
        word = t.lemma if t.lemma.casefold() != t.word.casefold() and t.word.casefold().startswith(
            t.lemma.casefold()) else t.word
        if previous_was_name:
            runs[-1].append(word)
        else:
            runs.append([word])
        previous_was_name = True
    out = []
    for run in runs:
        if not (said(run[-1], mentions) and all(said(w, everywhere) for w in run[:-1])):
            out.extend(w for w in run if not said(w, mentions))
    return out

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

from itertools import combinations

from rag.answer.clauses import AGENT, OF, PATIENT, PREDICATE, TARGET, THEME, Clause, Mention, clauses
from rag.text.lexicon import LIGHT_VERBS, SOURCE_WORDS
from rag.text.tagging import compound_parts
from rag.text.terms import tokenize

CORE_ROLES = (AGENT, PATIENT, TARGET)
SUBJECT_ROLES = (AGENT, THEME)  # the roles an unnamed subject ("er", "der Konzern") takes


def coarse(role: str) -> str:
    """A mention's role for comparison: a preposition's object other than a target is "other"."""
    return role if role in (AGENT, PATIENT, TARGET, OF, THEME) else "other"


def _match(c: Clause, span: tuple[Clause, ...]) -> tuple[list[Clause], bool]:
    """The span clauses a claim clause is about: those of the same verb (True), else the one
    that shares most words with it (False)."""
    if c.verb and c.verb not in LIGHT_VERBS:
        same = [s for s in span if s.verb == c.verb]
        if same:
            return same, True
    best = max(span, key=lambda s: len(c.words & s.words), default=None)
    return ([best] if best is not None and len(c.words & best.words) >= 2 else []), False


def _same(x: Mention, m: Mention) -> bool:
    """Is span mention x the claim's m? By name, or a description by any noun of x's phrase
    ("der Landeshauptmann" in "Burgenlands Landeshauptmann Hans Niessl")."""
    # "Der Betriebswirt" is "der Betriebswirt Schickhofer" of the claim: its own word for him.
    return bool(x.key & m.key) or (not m.name and bool(m.key & x.words)) or (not x.name and x.key <= m.words)


def _has(s: Clause, m: Mention, role: str) -> bool:
    return any(_same(x, m) and coarse(x.role) == role for x in s.mentions)


def _contrast(a: Mention, b: Mention) -> bool:
    """Two compounds of one head with other first parts ("Exportzölle", "Einfuhrzölle") are
    two kinds of a thing, not two words for one."""
    pa, pb = (compound_parts(x.text.split()[-1].split("-")[-1]) for x in (a, b))
    return len(pa) > 1 and len(pb) > 1 and pa[-1] == pb[-1] and pa[:-1] != pb[:-1]


def _clause_conflict(c: Clause, s: Clause, antecedents: frozenset[str], nearby: set[str], same_verb: bool,
                     own: tuple[Clause, ...] = ()) -> str:
    roles = CORE_ROLES + (THEME,) if same_verb else CORE_ROLES  # a theme is only comparable under one verb
    if s in own and (before := _named_subject(own[:own.index(s)])):
        antecedents = before  # "Microsofts Engagement zeigt ... Das Unternehmen bleibt ...": within the span
    # The span's own participants, by phrase: a description the span uses for one of them is
    # not another word for a different one ("der Sicherheitskräfte" beside "den Taliban").
    present = [x for o in own for x in o.mentions]
    for m in c.mentions:
        role = coarse(m.role)
        if role not in roles or _has(s, m, role):
            continue
        # "Hans Niessl, der Landeshauptmann": a description beside a name in its role is that name.
        if not m.name and any(x.name and x.role == m.role for x in c.mentions):
            continue
        other = next((x for x in s.mentions if _same(x, m) and coarse(x.role) in roles), None)
        if other is not None:
            return f"“{m.text}” is the {coarse(other.role)} there, not the {role}"
        if not same_verb:
            continue  # another verb's participants say nothing about this one's
        fillers = [x for x in s.mentions if coarse(x.role) == role]
        if role in SUBJECT_ROLES and m.name and s.agent_pronoun and antecedents and not any(f.name for f in fillers):
            if not antecedents & m.key:
                return f"the {role} there is {'/'.join(sorted(antecedents))}, not “{m.text}”"
            continue
        named = [f for f in fillers if f.name]
        if named and (m.name or m.key <= nearby):
            return f"the {role} there is “{named[0].text}”, not “{m.text}”"
        # A description may be another word for the span's ("Hubschrauber", "die Maschine"),
        # but not another kind of the same thing ("Exportzölle" for "Einfuhrzölle").
        if fillers and not named and not m.name and (any(_contrast(m, f) for f in fillers) or (
                any(_same(x, m) for x in present) and not any(_same(f, m) or _same(m, f) for f in fillers))):
            return f"the {role} there is “{fillers[0].text}”, not “{m.text}”"
    return _attribute_conflict(c, s, present)


def _attribute_conflict(c: Clause, s: Clause, present: list[Mention]) -> str:
    """A named attribute of a noun that the span gives another ("eine Milliardeninvestition
    von OpenAI" where it is "von Microsoft", "im Auftrag von Crisp Research" where it is
    "des IT-Dienstleisters Dimension Data"); a described one when the span names the claim's
    as someone else ("ein Versuch der Taliban" where it is "der Sicherheitskräfte" and the
    Taliban fend it off)."""
    for m in c.mentions:
        if m.role != OF or not m.head:
            continue
        theirs = [x for x in s.mentions if x.role == OF and x.head & m.head]
        if not theirs or any(_same(x, m) for x in theirs):
            continue
        if m.name and any(x.name for x in theirs):
            return f"the {'/'.join(sorted(m.head))} there is “{next(x for x in theirs if x.name).text}”'s"
        if not m.name and any(_same(x, m) for x in present):
            return f"the {'/'.join(sorted(m.head))} there is “{theirs[0].text}”'s"
    return ""


def _named_subject(before: tuple[Clause, ...]) -> frozenset[str]:
    """The named agent or theme of the last of these clauses that has one."""
    for s in reversed(before):
        names = [m for m in s.mentions if m.role in SUBJECT_ROLES and m.name]
        if names:
            return frozenset().union(*(m.key for m in names))
    return frozenset()

def _role_elsewhere(c: Clause, own: tuple[Clause, ...]) -> str:
    """A participant the span gives another role, and never the claim's, in any of its
    clauses ("Ein Gericht ... hat Fragen an den EuGH verwiesen" for the court as target)."""
    for m in c.mentions:
        role = coarse(m.role)
        if role not in CORE_ROLES or any(_has(s, m, role) for s in own):
            continue
        other = next((x for s in own for x in s.mentions if _same(x, m) and coarse(x.role) in CORE_ROLES), None)
        if other is not None:
            return f"“{m.text}” is the {coarse(other.role)} there, not the {role}"
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
        holders = [i for i, s in enumerate(own) if any(x.values & q.values for x in s.quantities)]
        if not q.year and holders and not _about_the_source(c) and not any(_anchored(c, q, own, i) for i in holders):
            return f"{sorted(q.values)[0]} belongs to another statement there"
    return ""


def _about_the_source(c: Clause) -> bool:
    """A clause about the passage itself ("die Passage, die 49 Prozent nennt") reports what it
    says; it gives its numbers to no one."""
    return any(SOURCE_WORDS.search(m.text) for m in c.mentions if coarse(m.role) in CORE_ROLES + (THEME,))


def _anchored(c: Clause, q, own: tuple[Clause, ...], i: int) -> bool:
    """Does span clause i, which holds the claim's quantity q, tell the claim clause's event:
    its verb, one of its participants or what q counts? A clause whose subject is a pronoun
    ("heuer dürften es 0,4 Prozent sein") has the subject of the clause before."""
    s = own[i]
    if c.verb and c.verb not in LIGHT_VERBS and s.verb.split(":")[0] == c.verb.split(":")[0]:
        return True
    theirs = list(s.mentions)
    if s.agent_pronoun and i > 0:
        theirs += [m for m in own[i - 1].mentions if coarse(m.role) in (AGENT, THEME)]
    owners = {k for x in s.quantities for k in x.owner}
    ours = [m for m in c.mentions if coarse(m.role) in CORE_ROLES + (THEME,)]
    return bool(q.owner & owners) or any(_same(x, m) or _same(m, x) for m in ours for x in theirs)


def _participants(c: Clause) -> list[tuple[frozenset[str], str, set[str]]]:
    """The claim clause's participants: (key, text, roles), one entry per entity."""
    out: list[tuple[frozenset[str], str, set[str]]] = []
    for m in c.mentions:
        if m.role == PREDICATE:
            continue  # what a copula's subject is, not who takes part ("ist Staatssekretär")
        role = m.role if coarse(m.role) == "other" else coarse(m.role)
        for i, (key, text, roles) in enumerate(out):
            if key & m.key:
                out[i] = (key | m.key, text, roles | {role})
                break
        else:
            out.append((m.key, m.text, {role}))
    return out


def _swap_undecided(c: Clause, span: tuple[Clause, ...]) -> str:
    """The swap test: the claim with two of its participants' roles exchanged must not match
    the span as well as the claim itself. Where the span gives neither any of these roles it
    says nothing either way."""
    everywhere = [x for s in span for x in s.mentions]

    def roles_there(key: frozenset[str]) -> set[str]:
        return {x.role if coarse(x.role) == "other" else coarse(x.role) for x in everywhere if x.key & key}

    for (ka, ta, ra), (kb, tb, rb) in combinations(_participants(c), 2):
        if ra == rb:
            continue
        sa, sb = roles_there(ka), roles_there(kb)
        if not sa or not sb:
            continue
        kept, swapped = len(ra & sa) + len(rb & sb), len(rb & sa) + len(ra & sb)
        core = (ra ^ rb) & set(CORE_ROLES)
        if swapped > kept or (swapped == kept and swapped and core):
            return f"the passage does not say which of “{ta}” and “{tb}” is the {sorted(core or ra ^ rb)[0]}"
    return ""


def agent_names(text: str) -> frozenset[str]:
    """The named agent of the last clause that has one (what "er", "der Konzern" point to)."""
    return _named_subject(clauses(text)) if text else frozenset()


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
    for c in claim_clauses:
        # A clause whose verb only the headline has is the headline's ("..., das nun auch andere
        # Cloud-Anbieter nutzen darf" under "OpenAI darf ... nutzen"): the span's roles do not bind it.
        headline_only = bool(c.verb) and c.verb not in LIGHT_VERBS and not any(s.verb == c.verb for s in own) and any(
            s.verb == c.verb for s in span_clauses)
        if not headline_only and (why := _role_elsewhere(c, own)):
            return why
        # The span's own clauses; the headline's when only it has the verb ("Der Betriebswirt
        # folgt ... Franz Voves nach" over the body), or when the span has none about it.
        matched, same_verb = _match(c, tuple(s for s in span_clauses if s not in own) if headline_only else own)
        if not matched:
            matched, same_verb = _match(c, span_clauses)
        reasons = [_clause_conflict(c, s, antecedents, nearby, same_verb, own) for s in matched]
        if matched and all(reasons):
            return reasons[0]
        # The swap test reads the span's clauses about the claim clause: a name it borrows
        # from the headline is checked by headline_roles.
        about = tuple(s for s in matched if s in own) or own
        why = _quantity_conflict(c, own, span_clauses) or _swap_undecided(c, about)
        if why:
            return why
    return ""

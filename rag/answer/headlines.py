"""Names a claim takes from outside its sentence: from the passage's headline or teaser,
which must give them the claim's role (or be about them), and the claim's names a span does
not mention at all.
"""

from __future__ import annotations

import re

from rag.answer.clauses import OF, THEME, clauses, is_name
from rag.answer.roles import CORE_ROLES, SUBJECT_ROLES, coarse
from rag.text.tagging import tag
from rag.text.terms import tokenize

_BOTH = re.compile(r"\b(?:beide[nrs]?|die beiden)\b", re.IGNORECASE)


def _headline_offers(headline: str) -> set[tuple[str, str]]:
    """(key, role) of each participant of the headline parts; role "any" for a topic: the
    subject of a part's first clause, or whatever a verbless part names."""
    offered = set()
    for part in headline.split("\n") if headline else ():
        for i, c in enumerate(clauses(part)):
            for m in c.mentions:
                topic = not c.verb or (i == 0 and m.role in SUBJECT_ROLES)
                offered |= {(k, "any" if topic else coarse(m.role)) for k in m.key}
    return offered


def headline_roles(claim: str, names: list[str], headline: str, span: str = "") -> str:
    """A name the claim takes from the headline (its sentence lacks it) must be the headline's
    subject, or what a verbless headline is about ("500 Milliarden für Stargate"), or play
    there the role it plays in the claim: the headline's subject joins the body's facts, its
    other names do not ("OpenAI darf ... außer Microsoft nutzen" lends no "für Microsoft")."""
    keys = set(tokenize(" ".join(names)))
    # Who did what to whom, and whose it is, must match; the headline's topic may stand in
    # any role ("die Studie von Crisp Research" under "Crisp Research: ...").
    # "die Partnerschaft beider Unternehmen" names two, which the headline may name.
    pair = {h for c in clauses(span) for m in c.mentions if m.role == OF and _BOTH.search(m.text) for h in m.head}
    wanted = {(k, coarse(m.role)) for c in clauses(claim) for m in c.mentions for k in m.key
              if k in keys and coarse(m.role) in CORE_ROLES + (THEME, OF) and not (m.role == OF and m.head & pair)}
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

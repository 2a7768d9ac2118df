"""Pronouns that point to nothing before: expletives and clefts, and references whose
antecedent stands in their own question.

- German "es" is expletive with impersonal verbs ("Gibt es ...", "Wie steht es um ...",
  "Stimmt es, dass ...") and as the correlate of a clause after it; English "it" before a
  "that"/"to" clause it stands for ("What is it that ...", "How long does it take to ..."),
  in "it is true/possible ..." and with weather words ("How hot does it get there?").
- A pronoun, "dort"/"there", "damals" or "das Unternehmen" is bound in its own question when
  a fitting antecedent stands there in an earlier clause ("Wie hoch sind die Leitzinsen der
  EZB und wann sinken sie?", "When did Nokia announce that it would ...", "Why did Boeing's
  CEO say he would ..."). Within one clause a pronoun cannot mean the clause's own subject
  ("Für wie viel Geld hat der Verein ihn geholt?"), so it looks back to the last turn; a
  possessive can ("Wann hat die Deutsche Bahn ihre Preise erhöht?").
"""

from __future__ import annotations

from rag.answer.phrases import Phrase, Word, phrases_of, words_of
from rag.text.lexicon import CLAUSE_CONJUNCTIONS
from rag.text.followup_lexicon import (
    IMPERSONAL_ES_VERBS,
    IMPERSONAL_IT,
    PERSON_HEADS,
    TITLE_WORDS,
    WEATHER_WORDS,
)

_BOUNDARY_TAGS = ("SUB", "WH", "WHDET")


def _clause(words: tuple[Word, ...], i: int) -> tuple[Word, ...]:
    """The words of the clause around word i: up to the next comma, conjunction or end."""
    end = i + 1
    while end < len(words) and not (words[end].tag == "PUNCT" or words[end].low in CLAUSE_CONJUNCTIONS
                                    or words[end].low in ("and", "or", "but")):
        end += 1
    start = i
    while start > 0 and not (words[start - 1].tag == "PUNCT" or words[start - 1].low in CLAUSE_CONJUNCTIONS
                             or words[start - 1].low in ("and", "or", "but")):
        start -= 1
    return words[start:end]


# Verbs impersonal only with a word of their frame: "Wie kam es dazu?" (not "Wann kommt es auf
# den Markt?"), "Es handelt sich um ..." (not "Wovon handelt es?").
_FRAME = {"kommen": ("zu", "zum", "zur", "dazu"), "handeln": ("sich",)}


def _impersonal(verb: Word, clause: tuple[Word, ...]) -> bool:
    frame = _FRAME.get(verb.lemma.casefold())
    return frame is None or any(w.low in frame for w in clause)


def expletive(body: str, start: int) -> bool:
    """The "es"/"it" at character `start` of `body` stands for no thing."""
    words = words_of(body)
    i = next((n for n, w in enumerate(words) if w.start == start), None)
    if i is None:
        return False
    clause = _clause(words, i)
    rest = words[i + 1:]
    if words[i].low == "es":
        if any(w.tag == "VERB" and w.lemma.casefold() in IMPERSONAL_ES_VERBS and _impersonal(w, clause) for w in clause):
            return True
        return any(a.text == "," and b.tag in ("SUB", "WH") for a, b in zip(rest, rest[1:]))  # "Stimmt es, dass"
    if IMPERSONAL_IT.search(body):
        return True
    after = list(words[i + 1:])
    upto = next((n for n, w in enumerate(after) if w.text in (",", ";", ".")), len(after))
    after = after[:upto]
    if any(w.low == "that" for w in after):
        return True  # "What is it that makes ...", "Is it true that ..."
    if any(a.low == "to" and b.tag == "VERB" and n + 2 < len(after) for n, (a, b) in enumerate(zip(after, after[1:]))):
        return True  # "How long does it take to charge an electric car?"
    return any(w.low in WEATHER_WORDS for w in clause)


def _boundary(words: tuple[Word, ...], a: int, i: int, explicit: bool = False) -> bool:
    """A clause boundary lies between word a and word i (`explicit`: a comma, conjunction or
    question word marks it)."""
    between = words[a + 1:i]
    if any(w.text == "," or w.low in CLAUSE_CONJUNCTIONS or w.low in ("and", "or", "but", "that")
           or w.tag in _BOUNDARY_TAGS for w in between):
        return True
    if explicit:
        return False
    # "... CEO say he would step down": a subject pronoun right after a verb opens a clause.
    return bool(between) and between[-1].tag == "VERB" and i + 1 < len(words) and words[i + 1].tag == "VERB"


def _fits(p: Phrase, need: str) -> bool:
    if p.kind == "date":
        return need == "time"
    if need == "time" or (p.wh and need != "plural"):
        return False  # a question phrase binds a plural: "How many people live in X and how many of them ...?"
    if need == "place":  # "in Graz"; or a name of one word that no preposition marks ("hat Innsbruck"):
        # "dort" may mean a town or a company ("Wie viele arbeiten bei Siemens und was verdient man dort?",
        # "Wie viele Mitarbeiter hat Siemens und ...")
        return p.kind == "name" and ((p.prep is not None and p.prep.low in ("in", "im", "nach", "aus", "at", "to", "bei", "beim"))
                                     or (p.prep is None and len(p.head) == 1))
    if need == "plural":
        return p.plural
    head = p.head_word.casefold()
    person = head in PERSON_HEADS or bool(TITLE_WORDS.search(head))
    if need == "person":
        return person or (p.kind == "name" and len(p.head) >= 2)
    if need.startswith("person-"):  # a German pronoun of a gender: er (m), sie (f)
        return person or (p.kind == "noun" and need[-1] in p.genders and p.genders != "mfn") or (
            p.kind == "name" and len(p.head) >= 2) or (  # a name of the gender its article shows: "die DHL ... sie"
            p.kind == "name" and p.prep is None and p.det is not None and p.det.low == ("die" if need[-1] == "f" else "der"))
    if need.startswith("poss-"):  # "die Bahn ... ihre Preise", "der Verein ... seinen Trainer": any
        # subject phrase of the gender (ihr: feminine or plural; sein: masculine or neuter), or a name
        return p.prep is None and (p.kind == "name" or person or (p.plural if need == "poss-f" else False)
                                   or (p.genders != "mfn" and set(p.genders) & set(need[5:])))
    if need == "neuter":
        return not person and (p.kind == "name" or p.genders == "n")
    return not person and p.kind in ("name", "noun") and not p.plural  # a thing, an organisation


def bound_here(body: str, start: int, need: str, possessive: bool = False) -> bool:
    """The reference at character `start` of `body` finds its antecedent in `body` itself,
    before it: in an earlier clause, or anywhere before it for a possessive. `need`: person,
    person-m, person-f, plural, neuter, thing, place, time, or poss-f / poss-mn (German ihr- / sein-)."""
    words = words_of(body)
    i = next((n for n, w in enumerate(words) if w.start == start), None)
    if i is None:
        return False
    for p in phrases_of(body):
        if p.end > start or not _fits(p, need):
            continue
        a = next(n for n, w in enumerate(words) if w.start == p.words[-1].start)
        if possessive or _boundary(words, a, i, explicit=p.wh):
            return True
    return False


def correlate(body: str, start: int) -> bool:
    """The pronominal adverb at `start` stands for a clause after it: "Was hat Samsung dazu
    gesagt, dass Apple die Preise erhöht?", "Wie viel zahlt man dafür, ein Auto zu mieten?"."""
    words = words_of(body)
    rest = [w for w in words if w.start > start]
    for a, b in zip(rest, rest[1:]):
        if a.text in (".", "?", "!"):
            return False
        if a.text == "," and (b.low in ("dass", "ob", "wie", "wenn", "wer", "was", "wo")
                              or any(w.fine == "VV(IZU)" or w.fine == "PTKZU" for w in rest)):
            return True
    return False

"""What a question asks for, and whether a sentence offers it.

"Wie viele ...?" is only answered by a sentence with a number, "Wann ...?" by one with a date,
"Wer ...?" by one that names someone. Checking that is the cheapest guard against answering
with a sentence that merely repeats the question's words, the usual way an extractive
answerer fails on unanswerable questions. Shared by the extractive backend (which sentence
answers) and the assistant (compound questions are retrieved part by part).

Hand-written: NER models for German need a model hub or GPL name lists, and these checks only
need the shape of a value, not its class.
"""

from __future__ import annotations

import re

_QUANTITY_Q = re.compile(
    r"\b(wie\s*viele?|wieviele?|wie\s+hoch|wie\s+groß|wie\s+teuer|welche[nrs]?\s+(summe|betrag|anteil|höhe)"
    r"|auf\s+das\s+wievielfache|wievielfache|how\s+(much|many|high|large|big)"
    r"|what\s+(amount|sum|share|stake|percentage))\b",
    re.IGNORECASE,
)
# Only the asking words: a noun in the phrase ("welchen Anteil") still says what it is about.
ASKING_WORDS = re.compile(
    r"\b(wie\s*viele?|wieviele?|wie\s+hoch|wie\s+groß|wie\s+teuer|wievielfache|wer|wen|wem"
    r"|how\s+(much|many|high|large|big)|who|whom)\b",
    re.IGNORECASE,
)
TIME_Q = re.compile(
    r"\b(wann|seit\s+wann|bis\s+wann|(in|seit|bis)(\s+zu)?\s+welche[mn]?\s+(jahr|monat)|welches\s+jahr"
    r"|when|(in|since|until|by)\s+(which|what)\s+(year|month)|what\s+year|which\s+year)\b",
    re.IGNORECASE,
)
# "Wer ...?" / "Who ...?" (not "Wessen"/"Whose", which ask for a thing): a person or an
# organisation, i.e. a name.
_NAME_Q = re.compile(r"^\s*(wer|who|von\s+wem|by\s+whom)\b|\bwhich\s+(person|president|firm|company)\b",
                     re.IGNORECASE)
# A question about how things stand now: a present-state cue, or a yes/no question.
_PRESENT_Q = re.compile(
    r"\b(inzwischen|mittlerweile|derzeit|aktuell|zurzeit|heute|noch|now|currently|still|today|anymore)\b"
    r"|^\s*(ist|sind|hat|haben|darf|dürfen|kann|können|wird|werden|gibt|is|are|does|do|can|has|have)\b",
    re.IGNORECASE,
)
# A sentence that reports how things stand now or how they changed.
_CHANGE_S = re.compile(
    r"\b(inzwischen|mittlerweile|neuerdings|nicht\s+mehr|kein(e|en)?\s+\w+\s+mehr|künftig|jetzt|nun"
    r"|no\s+longer|not\s+any\s+more|now|recently)\b",
    re.IGNORECASE,
)

_NUMBER_WORDS = frozenset((
    "ein eine einen einer zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig"
    " dreißig hundert tausend hälfte drittel viertel dutzend one two three four five six seven"
    " eight nine ten twelve twenty hundred thousand half quarter dozen"
).split())
_MAGNITUDE = re.compile(
    r"\b(mio|mrd|millionen?|milliarden?|billionen?|million|billion|trillion|prozent|percent)\b"
    r"|%|\d+\s*-?\s*fache",
    re.IGNORECASE,
)
_MONTHS = re.compile(
    r"\b(januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
    r"|january|february|march|may|june|july|october|december)\b",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(19|20)\d{2}\b")
# Any year from 1000 to 2099 answers "Wann ...?" (1517, 1872); only recent ones are too
# likely a date to count as an amount ("1500 Mitarbeiter" is one).
_ANY_YEAR = re.compile(r"\b(1\d|20)\d{2}\b")
# "im Jahr 2015": the year is the term, the word "Jahr" is filler.
CALENDAR_FILLER = re.compile(r"\b(im|vom|des)\s+jahre?s?(?=\s+(1\d|20)\d{2}\b)|\bin\s+the\s+year\b", re.IGNORECASE)
# "Bis wann ...?" is best answered by "bis 2030", not by the year it began: the bound's
# preposition carries over to the answer, in German and across languages.
_BOUND_Q = {
    "end": re.compile(r"\b(bis(\s+zu)?\s+(wann|welche[mn]?)|until|till)\b", re.IGNORECASE),
    "start": re.compile(r"\b(seit\s+(wann|welche[mn]?)|since\s+(when|which|what))\b", re.IGNORECASE),
}
_DATE = r"((1\d|20)\d{2}|" + _MONTHS.pattern[2:-2] + ")"
_BOUND_S = {
    "end": re.compile(r"\b(bis|until|till)\s+(\S+\s+){0,2}?" + _DATE + r"\b", re.IGNORECASE),
    "start": re.compile(r"\b(seit|since)\s+(\S+\s+){0,2}?" + _DATE + r"\b", re.IGNORECASE),
}
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# "ChatGPT 4", "GPT-4", "DALL-E 2": a product's version is no amount.
_VERSION = re.compile(r"\b[A-Z][\w]*[A-Z][\w-]*[- ]\d{1,2}\b(?![.,]\d|\s*(%|prozent|percent|mio|mrd|milli|billi))")
# A name: two or more capitalised words in a row ("Mustafa Suleyman", "Thrive Capital").
# German capitalises every noun, but two nouns rarely stand side by side without an article
# or a preposition between them. Single-word names ("OpenAI") are too common in a corpus
# about companies to tell an answer from the topic.
_CAP_RUN = re.compile(r"[A-ZÄÖÜ][\w'&.-]*(?:\s+[A-ZÄÖÜ][\w'&.-]*)+")
_FUNCTION_WORDS = frozenset(
    "der die das den dem des ein eine einen einem einer im am in an auf aus bei mit nach von vor"
    " zu zum zur für über unter seit laut auch und oder doch aber so wie als the a an of in on at"
    " for by with from to and or but as".split())
_DETERMINER = re.compile(r"(dies|jen|jed|manch|welch|kein|sein|ihr|unser|all|beid|viel|einig|mehrer)(e[mnrs]?)?")
# A sentence that opens by pointing back ("Dieses Team ...", "Zu dieser Zeit ...") does not
# stand alone: its previous sentence goes with it.
_REFERS_BACK = re.compile(
    r"^\W*(dies(e[mnrs]?)?|er|sie|ihm|ihr|damals|dabei|damit|daraufhin|deshalb|dafür"
    r"|zu\s+dieser\s+zeit|this|these|those|he|she|they|at\s+that\s+time)\b",
    re.IGNORECASE,
)
# ", und wie viel ...", ", and which ...": a second question joined to the first.
_SECOND_QUESTION = re.compile(
    r",?\s+(?:und|sowie|and)\s+(?=(?:wie|wer|wen|wem|was|wann|wo|welche[mnrs]?|warum|mit\s+welche[mnrs]?"
    r"|an\s+welche[mnrs]?|how|what|which|who|when|where|why)\b)",
    re.IGNORECASE,
)


def split_question(question: str) -> list[str]:
    """The sub-questions of a compound question ("Wie viel ..., und wer ...?"), each of
    which needs its own answer sentence; a simple question is returned as is."""
    parts = [p.strip(" ,?") + "?" for p in _SECOND_QUESTION.split(question) if p.strip(" ,?")]
    return parts if len(parts) > 1 else [question]


def expected_answer_type(question: str) -> str | None:
    """"quantity", "time", "name" or None (anything: a reason, a description)."""
    if _QUANTITY_Q.search(question):
        return "quantity"
    if TIME_Q.search(question):
        return "time"
    if _NAME_Q.search(question):
        return "name"
    return None


def asks_about_now(question: str) -> bool:
    """Is the question about how things stand now (so a report of a change answers it best)?"""
    return bool(_PRESENT_Q.search(question))


def reports_change(sentence: str) -> bool:
    return bool(_CHANGE_S.search(sentence))


def refers_back(sentence: str) -> bool:
    return bool(_REFERS_BACK.match(sentence))


def states_bound(sentence: str, question: str) -> bool | None:
    """For "Bis wann ...?" / "Seit wann ...?": does the sentence give a date with that bound
    ("bis 2030")? None when the question asks for no bound."""
    bound = next((b for b, q in _BOUND_Q.items() if q.search(question)), None)
    return None if bound is None else bool(_BOUND_S[bound].search(sentence))


def _numbers(text: str) -> set[str]:
    return {n.replace(".", "").replace(",", "") for n in _DIGITS.findall(_VERSION.sub(" ", text))}


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def names_in(sentence: str) -> set[str]:
    """Name-like spans of the sentence, leading function words ("Im März") stripped."""
    out = set()
    for run in _CAP_RUN.findall(sentence):
        words = run.split()
        while words and (words[0].casefold() in _FUNCTION_WORDS or _DETERMINER.fullmatch(words[0].casefold())):
            words = words[1:]
        if len(words) >= 2:
            out.add(" ".join(words).rstrip(".-"))
    return out


def offers_answer_type(sentence: str, kind: str | None, question: str) -> bool:
    """Does `sentence` hold a value of the expected kind that the question does not already
    name? Numbers, years and names copied from the question ("im Jahr 2024") answer nothing."""
    if kind is None:
        return True
    if kind == "name":
        asked = _words(question)
        return any(_words(name) - asked for name in names_in(sentence))
    new_numbers = _numbers(sentence) - _numbers(question)
    if kind == "time":
        years = {y.group(0) for y in _ANY_YEAR.finditer(sentence)} - _numbers(question)
        months = {m.lower() for m in _MONTHS.findall(sentence)} - {
            m.lower() for m in _MONTHS.findall(question)}
        return bool(years or months)
    # A bare year is a date, not an amount; spelled-out numbers ("fünf Milliarden") count.
    amounts = {n for n in new_numbers if not YEAR.fullmatch(n)}
    words = _words(sentence) - _words(question)
    return bool(amounts or (_MAGNITUDE.search(sentence) and (new_numbers or words & _NUMBER_WORDS)))

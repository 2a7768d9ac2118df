"""Follow-up questions made standalone: the rewriting prompt shared by the LLM backends
(langchain, openai-compatible, local), and the heuristic used when no LLM is there.

A follow-up such as "Und wie viel hat er bezahlt?" cannot be retrieved on its own; the model
rewrites it into a standalone question using the last few turns, in the question's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

from rag.answer.mentions import Mention, clean_answer, coordinated, dates_in, generic_head, head_kind, names_in
from rag.conversations import Turn
from rag.core.config import LLMSettings
from rag.text.language import detect_language
from rag.text.lexicon import (
    ABOUT_ELLIPSIS,
    ASKS_ENTITY,
    BARE_WH_FILLERS,
    DEFINITE_ARTICLES,
    DEMONSTRATIVES,
    ENGLISH_VOTE_WORDS,
    EXISTENTIAL_THERE,
    FOLLOW_UP_LEAD,
    GERMAN_VOTE_WORDS,
    IMPERSONAL_IT,
    PERSON_HEADS,
    PERSONAL_PRONOUNS,
    PLACE_REFERENCES,
    POSSESSIVE_PRONOUNS,
    PREPOSITIONS,
    PRONOMINAL_ADVERBS,
    QUESTION_PHRASE,
    QUESTION_WORDS,
    TIME_QUESTION,
    TIME_REFERENCES,
)
from rag.text.sentences import split_sentences

_PROMPTS = {
    "de": (
        "Du formulierst Folgefragen um. Schreibe die letzte Frage des Nutzers als eigenständige "
        "Frage, die ohne den Gesprächsverlauf verständlich ist: ersetze Pronomen und Verweise "
        "durch die gemeinten Namen und Dinge. Beantworte die Frage nicht. Antworte nur mit der "
        "umformulierten Frage, auf Deutsch."
    ),
    "en": (
        "You rewrite follow-up questions. Rewrite the user's last question as a standalone "
        "question that is understandable without the conversation: replace pronouns and "
        "references with the names and things they refer to. Do not answer it. Reply with the "
        "rewritten question only, in English."
    ),
}


def condense_messages(question: str, history: list[tuple[str, str]], settings: LLMSettings) -> list[dict[str, str]]:
    """Chat messages asking a model to rewrite `question` given (user, assistant) turns."""
    lang = detect_language(question)
    labels = ("Nutzer", "Assistent", "Folgefrage") if lang == "de" else (
        "User", "Assistant", "Follow-up question")
    lines = []
    for user, assistant in history[-settings.condense_turns:]:
        answer = assistant.strip()
        if len(answer) > settings.condense_answer_chars:
            answer = answer[:settings.condense_answer_chars].rsplit(" ", 1)[0] + " …"
        lines.append(f"{labels[0]}: {user.strip()}\n{labels[1]}: {answer}")
    transcript = "\n\n".join(lines)
    return [
        {"role": "system", "content": _PROMPTS[lang]},
        {"role": "user", "content": f"{transcript}\n\n{labels[2]}: {question.strip()}"},
    ]


def clean_condensed(text: str, fallback: str) -> str:
    """The first non-empty line of a model's rewrite, without labels/quotes; else `fallback`."""
    for line in text.strip().splitlines():
        line = re.sub(
            r"^(eigenständige frage|umformulierte frage|folgefrage|standalone question|"
            r"rewritten question|frage|question)\s*:\s*", "", line.strip(), flags=re.I,
        ).strip().strip("\"'„“”«»").strip()
        if line:
            return line
    return fallback


@dataclass(frozen=True)
class PriorTurn:
    """An earlier turn as the resolver reads it: what was asked (and resolved to), what was
    answered, and for each citation the cited passage up to the end of the cited sentence
    (where an answer that says "Das Unternehmen ..." finds whom it means)."""

    question: str
    answer: str = ""
    standalone: str | None = None
    contexts: tuple[str, ...] = ()

    @property
    def asked(self) -> str:
        """The question as it was searched: its standalone form when it had one."""
        return self.standalone or self.question


# What `Assistant.ask(history=...)` accepts: (question, answer text) pairs, saved turns
# (rag.conversations.Turn), or PriorTurns.
HistoryItem = Union[tuple[str, str], Turn, PriorTurn]


# Given a citation of the JSON contract, the document's text before it up to its end (the
# Assistant reads it from the index: a cited chunk may begin with "Das Unternehmen ...").
ContextLookup = Callable[[dict[str, Any]], "str | None"]


def _contexts(answer: dict[str, Any], lookup: ContextLookup | None = None) -> tuple[str, ...]:
    passages = {r.get("chunk_id"): r for r in answer.get("retrieved", [])}
    out = []
    for c in answer.get("citations", []):
        found = lookup(c) if lookup is not None else None
        if found:
            out.append(found)
            continue
        passage = passages.get(c.get("chunk_id"))
        if passage is not None and passage.get("start", 0) <= c.get("end", 0):
            out.append(str(passage.get("text", ""))[:max(0, c["end"] - passage.get("start", 0))])
        else:
            out.append(str(c.get("text", "")))
    return tuple(out)


def prior_turns(history: Sequence[HistoryItem] | None, lookup: ContextLookup | None = None) -> list[PriorTurn]:
    """`history` as PriorTurns, oldest first; `lookup` finds the text before a citation."""
    out = []
    for item in history or ():
        if isinstance(item, PriorTurn):
            out.append(item)
        elif isinstance(item, Turn):
            answer = item.answer or {}
            out.append(PriorTurn(item.question, "" if answer.get("refused") else item.answer_text,
                                 item.standalone, _contexts(answer, lookup)))
        else:
            question, answer_text = item
            out.append(PriorTurn(str(question or ""), str(answer_text or "")))
    return out


@dataclass(frozen=True)
class Resolution:
    text: str  # the standalone question; the question itself when it stands alone
    depends: bool  # it depends on the history (and `text` is its rewrite)
    why: str = ""  # what was resolved, for logs and the eval's report


def resolve_follow_up(question: str, history: Sequence[PriorTurn]) -> Resolution:
    """`question` made standalone from the last turn of `history` when it depends on it:
    "Und was ist mit X?" / "What about X?" / "Und X?" put X in the last question's place;
    "Und wann?" asks the last question anew; a pronoun ("er", "they"), a place or time
    reference ("dort", "damals", "at that time"), "dabei" or a bare definite noun ("das
    Unternehmen", "the company") is replaced by what the last turn named. Anything else
    stands alone and is returned unchanged."""
    if not history or not question.strip():
        return Resolution(question, False)
    last = history[-1]
    base = FOLLOW_UP_LEAD.sub("", last.asked.strip(), count=1)
    body = FOLLOW_UP_LEAD.sub("", question.strip(), count=1)
    words = _WORD.findall(body)
    about = ABOUT_ELLIPSIS.match(question)
    if about:
        return _resolved(_substitute(base, about.group("x")), question, "ellipsis: what about")
    if words and words[0].casefold() in QUESTION_WORDS and all(w.casefold() in BARE_WH_FILLERS for w in words[1:]):
        return _resolved(_ask_anew(base, words[0]), question, "ellipsis: a bare question word")
    if len(words) == 3 and words[0].casefold() in QUESTION_WORDS and words[2].casefold() in _EVENT_PRONOUNS:
        return _resolved(_ask_anew(base, words[0]), question, "ellipsis: 'Wann war das?'")
    if body != question.strip() and 0 < len(words) <= 4 and not _has_verb(words):
        return _resolved(_substitute(base, body), question, "ellipsis: a fragment")
    rewritten, why = _replace_references(body, last, base)
    if rewritten is None:
        return Resolution(question, False)
    return _resolved(rewritten, question, why)


_WORD = re.compile(r"[^\W_][\w'’-]*")
_TOKEN = re.compile(r"[^\W_][\w'’-]*|[^\w\s]")


def _resolved(text: str, question: str, why: str) -> Resolution:
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    if not text.endswith(("?", ".", "!")):
        text += "?"
    return Resolution(text, text != question, why)


def _has_verb(words: list[str]) -> bool:
    return any(w.casefold() in GERMAN_VOTE_WORDS | ENGLISH_VOTE_WORDS and w.casefold() not in _NOT_VERBS
               and w[:1].islower() for w in words[1:]) or words[0].casefold() in QUESTION_WORDS


_NOT_VERBS = frozenset("der die das den dem des ein eine einen einem einer eines im am in an auf aus bei mit nach "
                       "von vor zu zum zur für über unter seit bis vom the a an of in on at for by with from to and or "
                       "but since until about under after noch auch".split())


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _substitute(base: str, fragment: str) -> str:
    """The last question with the fragment's date, or its name, in place of the one it
    replaces (a date replaces a date; a name after "in"/"von" replaces the name after the
    same preposition, else the subject); appended when the last question has none."""
    fragment = fragment.strip(" ?!.")
    new_dates, old_dates = dates_in(fragment), dates_in(base)
    if new_dates and old_dates:
        return _replace_span(base, old_dates[0].start, old_dates[0].end, new_dates[0].text)
    new = names_in(fragment)
    if not new:  # "Linz", alone: too short for the name test, but a fragment is a name
        bare = FOLLOW_UP_LEAD.sub("", fragment)
        parts = bare.split()
        head = parts[1:] if parts and parts[0].casefold() in PREPOSITIONS else parts
        if head and all(w[:1].isupper() or w[:1].isdigit() for w in head):
            new = [Mention(" ".join(head), 0, 0)]
    old = names_in(base)
    if new and old:
        target = next((m for m in old if not m.oblique), old[0])
        prep = fragment.split()[0].casefold() if fragment.split() else ""
        if prep in PREPOSITIONS:  # "Und in Anthropic?": the name after the same preposition
            for m in old:
                if re.search(rf"\b{re.escape(prep)}\s+$", base[:m.start], re.IGNORECASE):
                    target = m
        return _replace_span(base, target.start, target.end, new[0].text)
    return f"{base.rstrip(' ?')} – {fragment}"


def _ask_anew(base: str, word: str) -> str:
    """The last question asked with another question word ("Und wann?")."""
    m = QUESTION_PHRASE.match(base)
    if m:
        return m.group(1) + word + base[m.end():]
    return f"{word} {base[:1].lower()}{base[1:]}"  # a yes/no question: "Warum ist ...?"


@dataclass(frozen=True)
class _Candidate:
    mention: Mention
    text: str  # the text it was found in (for "X und Y")
    names: tuple[Mention, ...]  # every name of that text


def _referents(last: PriorTurn, base: str, exclude: set[str], kind: str | None = None) -> list[_Candidate]:
    """What the last turn named, most likely meant first: for a question that asked for a
    name ("Wer ...?", "Welche Firma ...?", "Wo ...?") its answer's new names (or, when the
    answer sentence names nobody, those of its cited passage nearest before it), else the
    question's own names, its subject first."""
    asked = names_in(base)
    known = {m.text.casefold() for m in asked} | exclude
    answer_text = clean_answer(last.answer)
    found = names_in(answer_text)
    answer = [_Candidate(m, answer_text, tuple(found)) for m in found if m.text.casefold() not in known]
    if not answer:
        for context in last.contexts:
            sentences = split_sentences(context)
            for sentence in reversed(sentences[:-1] if len(sentences) > 1 else sentences):
                found = names_in(sentence)
                answer = [_Candidate(m, sentence, tuple(found)) for m in found if m.text.casefold() not in known]
                if answer:
                    break
            if answer:
                break
    own = [_Candidate(m, base, tuple(asked)) for m in sorted(asked, key=lambda m: m.oblique)
           if m.text.casefold() not in exclude]
    about_name = bool(asked) and _only_names(base, asked)
    asks = ASKS_ENTITY.search(base)
    if not asks or about_name or (kind is not None and kind not in _asked_kinds(asks)):
        return own + answer  # "Which company ...?" answered, "the car" is what the question named
    return answer + own


def _asked_kinds(asks: re.Match) -> set[str]:
    """The kinds of thing a question asks for: "Wer" a person or an organisation, "Wo" a
    place, "Welcher Autohersteller" an organisation."""
    word = asks.group(1).casefold()
    if word.startswith(("welche", "which", "what ")):
        kind = head_kind(word.split()[-1]) if " " in word else None
        return {kind} if kind else {"person", "organisation", "place", "thing"}
    if word in ("wo", "where", "wohin", "woher"):
        return {"place"}
    return {"person", "organisation"}


def _pick(candidates: list[_Candidate], person: bool | None, plural: bool, english: bool) -> str | None:
    """The referent: of the likeliest candidates, a person for "er"/"he"/"der Politiker", no
    person for "it"/"das Projekt" (when the last turn named both); for "they", every name
    joined to it ("Larry Page und Sergey Brin")."""
    if not candidates:
        return None
    typed = [c for c in candidates if person is None or c.mention.person_like == person]
    chosen = (typed or candidates)[0]
    if not plural:
        return chosen.mention.text
    group = coordinated(chosen.text, list(chosen.names), chosen.mention.text)
    if len(group) == 1:
        return group[0]
    joiner = " and " if english else " und "
    return ", ".join(group[:-1]) + joiner + group[-1]


def _only_names(base: str, asked: list) -> bool:
    """"Wer ist Mustafa Suleyman?": a question about the name it states, not for a new one."""
    rest = base
    for m in asked:
        rest = rest.replace(m.text, " ")
    return all(w.casefold() in _COPULA_QUESTION for w in _WORD.findall(rest))


_PLURAL = frozenset("they them their".split())
_PERSON_PRONOUNS = frozenset("er ihn ihm sie he him she his".split())


def _plural_sie(low: list[str]) -> bool:
    """"Wo haben sie sich kennengelernt?": "sie" with a plural verb means them."""
    at = low.index("sie") if "sie" in low else -1
    near = low[max(0, at - 2):at] + low[at + 1:at + 2]
    return any(w in ("sind", "haben", "waren", "hatten", "werden", "wurden", "können", "wollen", "sollen")
               or (w.endswith("en") and w not in ("den", "einen", "seinen", "ihren", "denen")) for w in near)


_COPULA_QUESTION = frozenset("wer was who what ist war sind waren is was are were eigentlich genau denn".split())
_EVENT_PRONOUNS = frozenset("das dies this that it".split())


def _when(last: PriorTurn, base: str) -> str | None:
    answer, asked = dates_in(clean_answer(last.answer)), dates_in(base)
    order = answer + asked if TIME_QUESTION.search(base) else asked + answer
    return order[0].text if order else None


def _at(date: str, english: bool) -> str:
    if english:
        return f"on {date.replace('.', '')}" if date[:1].isdigit() and "." in date[:3] else f"in {date}"
    if date[:1].isdigit() and "." in date[:3]:
        return f"am {date}"
    return f"im Jahr {date}" if re.fullmatch(r"\d{4}", date) else f"im {date}" if not date[:1].isdigit() else date


def _genitive(name: str, english: bool) -> str:
    if english:
        return name + ("'" if name.endswith("s") else "'s")
    return name + ("'" if name[-1:] in "sxzß" else "s")


def _replace_references(body: str, last: PriorTurn, base: str) -> tuple[str | None, str]:
    """`body` with its references to the last turn replaced; (None, "") when it has none."""
    tokens = list(_TOKEN.finditer(body))
    words = [t.group(0) for t in tokens]
    low = [w.casefold() for w in words]
    english = detect_language(body) == "en"
    own_names = names_in(body)
    own = {m.text.casefold() for m in own_names}
    referents = _referents(last, base, own)
    edits: list[tuple[int, int, str]] = []
    why: list[str] = []
    used: set[str] = set()
    first_own = min((m.start for m in own_names), default=len(body))

    def referent(word: str = "", person: bool | None = None) -> str | None:
        plural = word in _PLURAL or (word == "sie" and _plural_sie(low))
        if word in _PERSON_PRONOUNS and not plural:
            person = True
        return _pick(referents, person, plural, english)

    span_time = TIME_REFERENCES.search(body)
    if span_time:
        date = _when(last, base)
        if date:
            edits.append((span_time.start(), span_time.end(), _at(date, english)))
            why.append(f"{span_time.group(0)} -> {date}")
    for i, (tok, w) in enumerate(zip(tokens, low)):
        if span_time and span_time.start() <= tok.start() < span_time.end():
            continue
        target = referent(w)
        if w in PERSONAL_PRONOUNS and target:
            if w == "sie" and words[i][0].isupper() and i > 0 and words[i - 1] not in ".!?":
                continue  # the polite "Sie" addresses the assistant
            edits.append((tok.start(), tok.end(), target))
            used.add(target)
            why.append(f"{words[i]} -> {target}")
        elif w == "it" and not IMPERSONAL_IT.search(body) and (target := referent(w, person=False)):
            edits.append((tok.start(), tok.end(), target))
            used.add(target)
            why.append(f"it -> {target}")
        elif w in POSSESSIVE_PRONOUNS and target and i + 1 < len(words) and words[i + 1][:1].isalpha():
            if w in ("ihr", "ihre", "ihren", "ihrem", "ihrer", "ihres") and words[i][0].isupper() and i > 0:
                continue  # "Ihre": the polite form
            if first_own < tok.start():
                continue  # bound in its own question: "Wann stellt BMW seinen ersten SUV vor?"
            edits.append((tok.start(), tok.end(), f"\0{target}\0{_genitive(target, english)}"))
            why.append(f"{words[i]} -> {target}")
        elif w in PRONOMINAL_ADVERBS and (target := _pick([c for c in referents if c.mention.text not in used],
                                                          False, False, english)):
            # A thing, and another one than a pronoun of the same question means:
            # "Wie viel hat er dafür bezahlt?" (er: the buyer, dafür: what was bought).
            edits.append((tok.start(), tok.end(), f"{PRONOMINAL_ADVERBS[w]} {target}"))
            used.add(target)
            why.append(f"{words[i]} -> {target}")
        elif PLACE_REFERENCES.fullmatch(w) and target and not (w == "there" and EXISTENTIAL_THERE.search(body)):
            edits.append((tok.start(), tok.end(), f"in {target}"))
            used.add(target)
            why.append(f"{words[i]} -> {target}")
        elif w in DEFINITE_ARTICLES or w in DEMONSTRATIVES:
            head = i + 1 if i + 1 < len(words) and generic_head(words[i + 1]) else (
                i + 2 if i + 2 < len(words) and generic_head(words[i + 2]) and _plain_adjective(low[i + 1]) else None)
            if head is None or _named_after(words, low, head):
                continue
            kind = head_kind(words[head])
            target = _pick(_referents(last, base, own, kind), kind == "person", False, english)
            if not target:
                continue
            # "Trainer des Vereins", "Vorsitzender der Partei": a genitive becomes "von X".
            genitive = w == "des" or (w == "der" and i > 0 and words[i - 1][:1].isupper()
                                      and not generic_head(words[i - 1]) and low[i - 1] not in QUESTION_WORDS)
            edits.append((tok.start(), tokens[head].end(), f"von {target}" if genitive and not english else target))
            used.add(target)
            why.append(f"{' '.join(words[i:head + 1])} -> {target}")
    if not edits:
        return None, ""
    out = body
    for start, end, new in sorted(edits, reverse=True):
        if new.startswith("\0"):  # a possessive: left as it is when its owner is named already
            owner, genitive = new[1:].split("\0")
            new = out[start:end] if owner in used else genitive
        out = _replace_span(out, start, end, new)
    return out, "; ".join(why)


def _plain_adjective(word: str) -> bool:
    """"das neue Unternehmen", not "the largest company" (a superlative describes anew)."""
    return word.isalpha() and word.endswith(("e", "en", "er", "es", "em", "new", "old", "same")) \
        and not re.search(r"(st|ßt)e[mnrs]?$|est$|meisten$", word)


def _named_after(words: list[str], low: list[str], head: int) -> bool:
    """"the president of France", "der Chef von Siemens": a noun with a name of its own."""
    tail = words[head + 1:head + 4]
    if not tail or low[head + 1] not in ("of", "von", "des", "der", "in", "aus", "from", "at", "bei"):
        return False
    return any(w[:1].isupper() for w in tail[1:]) or bool(names_in(" ".join(tail)))

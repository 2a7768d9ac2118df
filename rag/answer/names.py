"""Names in German text, from the tagger: runs of proper nouns (NE), foreign words and names
by their letters ("OpenAI", "FC"), joined by name particles ("Ursula von der Leyen").

German capitalises every noun, so capitals cannot tell "Volkswagen baut" from "Experten
sagen" or "für Haushalte" from "für OpenAI"; HanTa's tags can (tagged NE, NN and NN). On the
first 37 dev conversations' texts the capital-letter rules (rag.answer.mentions) missed
"Volkswagen", "Telekom", "Lufthansa", "Nemo" and took "Haushalte" and "Physik" for names.
"""

from __future__ import annotations

from rag.answer.mentions import Mention
from rag.answer.phrases import Word, words_of
from rag.text.followup_lexicon import NAME_PARTICLES, ORGANISATION_WORDS, PERSON_HEADS, TITLE_WORDS
from rag.text.tagging import compound_head, unknown_word

_PARTICLES = frozenset(w for p in NAME_PARTICLES for w in p)
_PERSON_ENDINGS = ("erin", "in", "ent", "ist", "eur", "or", "er")


def _person_noun(word: Word) -> bool:
    """"Autorin Han Kang", "Der Schweizer Nemo", "Stürmer Harry Kane": a noun of a person
    right before a name (not "Softwarekonzern Oracle", "Projekt Stargate")."""
    low = word.low.split("-")[-1]
    if ORGANISATION_WORDS.search(low):
        return False
    return bool(TITLE_WORDS.search(low)) or low in PERSON_HEADS or low.endswith(_PERSON_ENDINGS)


def _compound(word: str) -> bool:
    """"Hackerkollektiv", "Lebensmittelkonzern": a compound on a common noun of five letters or
    more, so a common noun itself (not "Stargate", whose "gate" is short)."""
    head = compound_head(word)
    return len(head) >= 5 and head != word.casefold()


def _bare(words: tuple[Word, ...], n: int) -> bool:
    """"von Tata Steel", "leitet Tata Steel": a noun with no article right after a preposition or
    verb, before a name, is the name's first word (a common noun there would take an article)."""
    return n > 0 and words[n - 1].tag in ("PREP", "VERB") and not ORGANISATION_WORDS.search(words[n].low)


def _v2_apposition(words: tuple[Word, ...], n: int) -> bool:
    """"Die Bank Gutmann streicht ...": one phrase stands before a main clause's finite verb, so
    a second noun right after "Article Noun" opening the sentence is that noun's name."""
    return (n == 2 and words[0].tag == "DET" and words[0].initial and words[1].tag == "NOUN"
            and n + 1 < len(words) and "FIN" in words[n + 1].fine and words[n].lemma == words[n].text)


def _name_words(words: tuple[Word, ...]) -> list[bool]:
    """Which words belong to a name: tagged as one, or a capitalised noun the tagger does not
    know ("Twitter", "Stargate", not after an article: "das Deutschlandticket"), or one beside
    a name ("Christine Lagarde", "Larry Page", "Annalena Baerbock", "Erste Group"), also when the
    tagger reads a rare surname as an inflected noun ("Sandra Hüller" as "Hülle")."""
    flags = [w.tag == "NAME" and not TITLE_WORDS.fullmatch(w.low) for w in words]
    for n, w in enumerate(words):
        if flags[n] or not w.text[:1].isupper() or not w.text.replace("-", "").isalpha() or w.tag != "NOUN":
            continue
        before = words[n - 1] if n > 0 else None
        if _v2_apposition(words, n):
            flags[n] = True
        elif unknown_word(w.text) and (before is None or before.tag not in ("DET", "ADJ", "POSS", "WHDET", "NUM")):
            flags[n] = True
        elif unknown_word(w.text) and before is not None and before.tag == "DET" and n >= 3 \
                and words[n - 2].low in ("und", "oder", "sowie") and flags[n - 3]:
            flags[n] = True  # like joins like: "Die EU und der Mercosur"
        elif before is not None and flags[n - 1] and before.end + 1 >= w.start and not w.initial \
                and (w.lemma == w.text or unknown_word(w.text, -20.0)
                     or (n + 1 < len(words) and words[n + 1].tag in ("VERB", "PUNCT", "CONJ"))) \
                and not (before.text.endswith("s") and before.lemma != before.text) \
                and (not _person_noun(w) or unknown_word(w.text, -20.0)) \
                and not ORGANISATION_WORDS.search(w.low):
            flags[n] = True  # "Larry Page", "Jannik Sinner"; not "Österreichs Straßen"
    for n in range(len(words) - 2, -1, -1):
        w = words[n]
        if not flags[n] and flags[n + 1] and w.text[:1].isupper() and w.text.isalpha() and words[n + 1].start <= w.end + 1 \
                and ((w.tag == "NOUN" and (unknown_word(w.text, -20.0) or _bare(words, n)) and not _person_noun(w)
                      and not _compound(w.text))
                     or (w.tag == "ADJ" and not w.initial)):
            flags[n] = True
    return flags


def german_names(text: str) -> list[Mention]:
    """The names `text` mentions, in order, each once."""
    words = words_of(text, english=False)
    flags = _name_words(words)
    out: list[Mention] = []
    seen: set[str] = set()
    i = 0
    while i < len(words):
        if not flags[i]:
            i += 1
            continue
        j = i
        while True:
            k = j + 1
            while j == i and k < len(words) and words[k].low in _PARTICLES and words[k].text.islower() and k - j <= 2 \
                    and words[i].text.isalpha() and not words[i].text.isupper():
                k += 1  # "Ursula von der Leyen", not "PVV von Geert Wilders" or "Sam Altman von OpenAI"
            if k < len(words) and (flags[k] or (k > j + 1 and words[k].text[:1].isupper() and words[k].text.isalpha())) \
                    and words[k].start - words[k - 1].end <= 1:
                j = k
                continue
            if k < len(words) and k == j + 1 and words[k].tag == "NUM" and len(words[k].text) <= 3:
                j = k  # "Model 3"
            break
        name = text[words[i].start:words[j].end]
        after = words[j + 1] if j + 1 < len(words) else None
        if i == j and len(name) > 4 and name.endswith("s") and not name.endswith("ss") and after is not None \
                and after.tag in ("ADJ", "NOUN", "NAME") and words[i].lemma != name:
            name = name[:-1]  # a genitive: "Microsofts erneutes Engagement"
        before = words[i - 1] if i > 0 else None
        before2 = words[i - 2] if i > 1 else None
        titled = before is not None and before.tag == "NOUN" and _person_noun(before)
        articled = before is not None and (before.tag == "DET" or (before.tag in ("ADJ", "NOUN") and before2 is not None
                                                                   and before2.tag == "DET" and not titled))
        oblique = before is not None and (before.tag == "PREP" or (before.tag == "DET" and before2 is not None
                                                                   and before2.tag == "PREP"))
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(Mention(name, words[i].start, words[j].end, oblique=oblique, titled=titled, articled=articled))
        i = j + 1
    return out

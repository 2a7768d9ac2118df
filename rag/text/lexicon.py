"""Every word list and phrase pattern of German and English that the code recognises.

Facts of the languages, never of particular questions or articles. Kept in one place so a
change is seen by every step that reads text the same way: the chunker (anaphoric openers),
the sentence splitter (abbreviations), question analysis, the reader and the citation check.
"""

from __future__ import annotations

import re
from functools import lru_cache

# -- the question-language vote (rag.text.language) --------------------------------------------
GERMAN_VOTE_WORDS = frozenset("""der die das und ist nicht ein eine einen einem einer eines dem
den des zu mit von für auf wie wer wen wem wessen wann warum weshalb wieso wodurch wofür womit
woran worauf woraus worin worüber wovon wozu welche welcher welchen welchem welches wo wohin
woher wieviel viel viele hat haben hatte hatten sind war waren wird werden wurde wurden soll
sollte im am auch noch aus bei nach über unter oder aber sich sie er ich wir ihr ihre sein
seine seiner es heute aktuell seit bis vom zum zur kann können gibt gab durch gegen ohne um
zwischen während dass als nur""".split())
ENGLISH_VOTE_WORDS = frozenset("""the and is are not a of to with from for on how what who whom
whose when why which where much many has have had were will would should does did do at also
still by after about under or but it its they he she we you today currently since until can
could there this that these those than been being""".split())
# English words that carry no content, for matching English questions against German text.
# Words spelled alike in both languages ("in", "was", "so", "an", "man"...) decide nothing in
# the vote, so they are in neither vote list.
ENGLISH_FUNCTION_WORDS = frozenset(ENGLISH_VOTE_WORDS | {"in", "was", "an", "so", "be", "as", "into", "new"})

# -- sentence ends (rag.text.sentences) ---------------------------------------------------------
# Capitalised words that open a sentence but never follow an ordinal inside one: "auf 92.
# Der ..." ends a sentence, "am 3. März" and "die 3. Liga" do not.
SENTENCE_OPENERS = frozenset("""Der Die Das Dem Den Des Ein Eine Einen Einem Einer Eines Er Sie
Es Wir Ich Ihr Man Dies Diese Dieser Dieses Diesen Damit Dazu Dabei Danach Dann Daher Darauf
Darüber Davon Deshalb Dennoch Doch Denn Aber Und Oder Auch Auf Aus Bei Bis Für Im In Am An
Als Mit Nach Nun Noch Nur So Seit Trotz Um Vom Von Vor Während Wegen Wie Wo Zu Zum Zur Zudem
Jetzt Heute Gestern Laut Alle Insgesamt Bereits Schon Allerdings Außerdem Hier Dort Was Wer
Warum Ob Weil Wenn Obwohl Nicht Kein Keine Somit Trotzdem Zuvor Zuletzt Inzwischen
Mittlerweile Ebenfalls Später Damals Derzeit Gleichzeitig Zugleich Anschließend Hingegen
Stattdessen Vielmehr Immerhin Erst Beim Gegen Ohne Über Unter Neben Seine Seinen Ihre Ihren
Unsere The A An It He She They We This That These Those But And Or Then""".split())
# A sentence that opens by pointing back ("Dieses Team ...", "Zu dieser Zeit ...") does not
# stand alone: its previous sentence goes with it (the chunker and the reader both use this).
REFERS_BACK = re.compile(
    r"^\W*(dies(e[mnrs]?)?|er|sie|ihm|ihr|damals|dabei|damit|daraufhin|deshalb|dafür"
    r"|zu\s+dieser\s+zeit|this|these|those|he|she|they|at\s+that\s+time)\b",
    re.IGNORECASE,
)


# -- search terms (rag.text.terms) --------------------------------------------------------------
@lru_cache(maxsize=1)
def german_stopwords() -> frozenset[str]:
    """bm25s's German stopword list (imported on first use: bm25s pulls in scipy)."""
    from bm25s.stopwords import STOPWORDS_GERMAN

    return frozenset(STOPWORDS_GERMAN)


# -- what a question asks for (rag.answer.analysis) ---------------------------------------------
QUANTITY_QUESTION = re.compile(
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
TIME_QUESTION = re.compile(
    r"\b(wann|seit\s+wann|bis\s+wann|(in|seit|bis)(\s+zu)?\s+welche[mn]?\s+(jahr|monat)|welches\s+jahr"
    r"|when|(in|since|until|by)\s+(which|what)\s+(year|month)|what\s+year|which\s+year)\b",
    re.IGNORECASE,
)
# "Wer ...?" / "Who ...?" (not "Wessen"/"Whose", which ask for a thing): a person or an
# organisation, i.e. a name.
NAME_QUESTION = re.compile(r"^\s*(wer|who|von\s+wem|by\s+whom)\b|\bwhich\s+(person|president|firm|company)\b",
                           re.IGNORECASE)
# A question about how things stand now: a present-state cue, or a yes/no question.
PRESENT_QUESTION = re.compile(
    r"\b(inzwischen|mittlerweile|derzeit|aktuell|zurzeit|heute|noch|now|currently|still|today|anymore)\b"
    r"|^\s*(ist|sind|hat|haben|darf|dürfen|kann|können|wird|werden|gibt|is|are|does|do|can|has|have)\b",
    re.IGNORECASE,
)
# "Bis wann ...?" is best answered by "bis 2030", not by the year it began: the bound's
# preposition carries over to the answer, in German and across languages.
BOUND_QUESTION = {
    "end": re.compile(r"\b(bis(\s+zu)?\s+(wann|welche[mn]?)|until|till)\b", re.IGNORECASE),
    "start": re.compile(r"\b(seit\s+(wann|welche[mn]?)|since\s+(when|which|what))\b", re.IGNORECASE),
}
# A question that asks for something (not yes/no): a question word among its first four words
# ("Innerhalb welches Zeitraums ...", "In which city ...").
OPEN_QUESTION = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(wer|wen|wem|wessen|was|wann|wo|woher|wohin|womit|wofür|worüber|wozu|wodurch|warum"
    r"|weshalb|wieso|weswegen|wie|welche[mnrs]?|inwiefern|who|whom|whose|what|when|where|which|why|how)\b",
    re.IGNORECASE,
)
# ", und wie viel ...", ", and which ...": a second question joined to the first.
SECOND_QUESTION = re.compile(
    r",?\s+(?:und|sowie|and)\s+(?=(?:wie|wer|wen|wem|was|wann|wo|welche[mnrs]?|warum|mit\s+welche[mnrs]?"
    r"|an\s+welche[mnrs]?|how|what|which|who|when|where|why)\b)",
    re.IGNORECASE,
)
# "im Jahr 2015": the year is the term, the word "Jahr" is filler.
CALENDAR_FILLER = re.compile(r"\b(im|vom|des)\s+jahre?s?(?=\s+(1\d|20)\d{2}\b)|\bin\s+the\s+year\b", re.IGNORECASE)

# -- dates (rag.ingest.dates) ---------------------------------------------------------------
MONTH_NUMBERS = {
    "januar": 1, "jänner": 1, "jan": 1, "january": 1, "februar": 2, "feber": 2, "feb": 2, "february": 2,
    "märz": 3, "mär": 3, "march": 3, "april": 4, "apr": 4, "mai": 5, "may": 5, "juni": 6, "jun": 6,
    "june": 6, "juli": 7, "jul": 7, "july": 7, "august": 8, "aug": 8, "september": 9, "sep": 9,
    "sept": 9, "oktober": 10, "okt": 10, "october": 10, "november": 11, "nov": 11, "dezember": 12,
    "dez": 12, "december": 12,
}
# Words that announce a date for the future: "bis 2030", "ab 2027", "soll 2026 starten".
FUTURE_CUES = ("bis", "ab", "künftig", "geplant", "planen", "plant", "soll", "sollen", "wird", "werden",
               "voraussichtlich", "erwartet", "spätestens", "frühestens", "until", "by", "from", "will",
               "planned", "expected")

# -- what a sentence offers (rag.answer.reader.values) ------------------------------------------
# A sentence that reports how things stand now or how they changed.
CHANGE_SENTENCE = re.compile(
    r"\b(inzwischen|mittlerweile|neuerdings|nicht\s+mehr|kein(e|en)?\s+\w+\s+mehr|künftig|jetzt|nun"
    r"|no\s+longer|not\s+any\s+more|now|recently)\b",
    re.IGNORECASE,
)
NUMBER_WORDS = frozenset((
    "ein eine einen einer zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig"
    " dreißig hundert tausend hälfte drittel viertel dutzend one two three four five six seven"
    " eight nine ten twelve twenty hundred thousand half quarter dozen"
).split())
MAGNITUDE = re.compile(
    r"\b(mio|mrd|millionen?|milliarden?|billionen?|million|billion|trillion|prozent|percent)\b"
    r"|%|\d+\s*-?\s*fache",
    re.IGNORECASE,
)
# Austrian "Jänner" and "Feber" included: 10kGNAD (DER STANDARD) writes them.
MONTHS = re.compile(
    r"\b(januar|jänner|februar|feber|märz|april|mai|juni|juli|august|september|oktober|november"
    r"|dezember|january|february|march|may|june|july|october|december)\b",
    re.IGNORECASE,
)
# Bound prepositions in a sentence ("bis 2030", "seit März"), paired with BOUND_QUESTION.
BOUND_WORDS = {"end": r"bis|until|till", "start": r"seit|since"}
# Leading words of a capitalised run that are not part of a name ("Im März", "Diese Firma").
FUNCTION_WORDS = frozenset(
    "der die das den dem des ein eine einen einem einer im am in an auf aus bei mit nach von vor"
    " zu zum zur für über unter seit laut auch und oder doch aber so wie als the a an of in on at"
    " for by with from to and or but as".split())
DETERMINER = re.compile(r"(dies|jen|jed|manch|welch|kein|sein|ihr|unser|all|beid|viel|einig|mehrer)(e[mnrs]?)?")

# -- facts in claims (rag.answer.facts) --------------------------------------------------------
# Spelled-out counts; "ein/eine" only before a magnitude ("eine Milliarde"), see facts.py.
COUNT_WORDS = {
    "zwei": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6", "sieben": "7", "acht": "8",
    "neun": "9", "zehn": "10", "elf": "11", "zwölf": "12", "zwanzig": "20", "dreißig": "30",
    "hundert": "100", "tausend": "1000", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "twenty": "20", "thirty": "30", "hundred": "100", "thousand": "1000",
}
PREPOSITIONS = frozenset("""an auf aus bei bis durch für gegen hinter in mit nach neben ohne seit
über um unter von vor während wegen zu zum zur im am ins vom beim at by for from in into of on
to with without""".split())
# Words of the passive voice, which puts the agent after the verb ("wurde von X übernommen").
PASSIVE_MARKERS = frozenset({"wurde", "wurden", "wird", "werden", "worden", "von", "durch", "by", "was", "were"})

# -- remarks about the passages (rag.answer.citations) ------------------------------------------
SOURCE_WORDS = re.compile(r"\b(passagen?|passages?|quellen?|sources?)\b", re.IGNORECASE)

# -- news layout (rag.answer.reader.features) ---------------------------------------------------
# A dateline opens a news report's first paragraph: "Wien –", "Berlin/Ankara –", "Brüssel/Wien (APA) –".
DATELINE = re.compile(r"^[A-ZÄÖÜ][\w.'/ -]{1,40}?(?:\s*\([^)]{1,20}\))?\s+[–—-]\s+")

# -- answer leads (rag.answer.reader.wording, rag.answer.citations) -----------------------------
# An English question is answered with the German sentence behind a short English lead, and
# a change over time with the date each state was reported ("Stand 2023-01: ..."). A lead is
# framing, not a claim, so claim verification leaves it out.
ANSWER_LEADS = {"en": "According to the documents:"}
STATE_LEADS = {"de": "Stand {date}:", "en": "As of {date}:"}
# A part of a compound question the passages do not answer (said after the verified answer).
UNANSWERED_PARTS = {"de": "Keine Antwort in den Dokumenten auf: {parts}",
                    "en": "The documents do not answer: {parts}"}
ANSWER_LEAD = re.compile(r"^(According to the documents:|Stand [^:]{1,40}:|As of [^:]{1,40}:)\s*")

# -- the focus of a question (rag.answer.focus) ---------------------------------------------------
# What the question word asks about: "Wie viele Passagiere", "Wie hoch ist das Jahresgehalt",
# "Wann landete", "Wer ist CEO". The noun after a determining question word ...
FOCUS_DETERMINING = re.compile(
    r"\b(wie\s*viele?|wieviele?|welche[mnrs]?|was\s+für(\s+ein(e[mnrs]?)?)?|wessen)\s+", re.IGNORECASE)
# ... the subject of "wie hoch ist ..." (an adjective asks for a measure of it) ...
FOCUS_MEASURE = re.compile(
    r"\bwie\s+(hoch|groß|teuer|lang|alt|weit|schwer|stark|breit|tief|schnell|oft|häufig|spät|früh)\s+",
    re.IGNORECASE)
# ... or the verb after any other question word ("Wann landete", "Wer leitet").
FOCUS_VERB_QUESTION = re.compile(
    r"\b(wer|wen|wem|wann|wo|woher|wohin|wie|was|warum|weshalb|wieso|weswegen|womit|wofür|woran"
    r"|worauf|woraus|worin|worüber|wovon|wozu|wodurch)\s+", re.IGNORECASE)
# Finite verbs that carry no content of their own: the content is the participle or
# infinitive at the end ("Wann wurde X gegründet?"), or the predicate noun ("Wer ist CEO?").
COPULAS = frozenset("ist sind war waren wäre sei".split())
AUXILIARIES = frozenset("""hat haben hatte hatten habe wurde wurden wird werden worden soll sollen
sollte sollten kann können konnte konnten muss müssen musste mussten will wollen wollte wollten
darf dürfen durfte durften möchte möchten mag""".split()) | COPULAS
# "Wie heißt der Konzernchef?" asks for the name of the noun after the verb.
NAMING_VERBS = frozenset("heißt heißen hieß hießen nennt nennen".split())
# Nouns after "welche(r)" that name the kind of answer, not what it is about ("In welchem
# Jahr wurde ...", "In welcher Stadt liegt ...": the verb is the focus then).
ANSWER_KIND_NOUNS = frozenset("""jahr jahre jahren jahres monat monats tag tages datum zeitpunkt
zeitraum zeitraums uhrzeit jahrhundert jahrzehnt stadt land ort orte region person personen name
namen zahl anzahl betrag summe höhe""".split())

# -- clauses (rag.answer.focus) -------------------------------------------------------------------
# Where a clause of a sentence ends: punctuation that is no decimal or thousands separator, and
# the conjunctions that open a new clause. "Die Zahl der Passagiere stieg, während der Umsatz
# auf 5 Millionen fiel" gives the 5 Millionen to the Umsatz, not to the Passagiere.
CLAUSE_BREAK = re.compile(
    r"(?<!\d)[,;:](?!\d)|[,;:](?=\s)|\s[–—-]\s|[()]|\s(?=(?:und|oder|aber|sondern|während|weil|obwohl"
    r"|nachdem|bevor|wenn|als|dass|damit|denn|doch|whereas|while|because|although|but)\s)",
    re.IGNORECASE)

# -- sentences that name their subject elsewhere (rag.answer.reader.candidates) ----------------
# A sentence whose subject is only a role or a kind ("Das Unternehmen bleibt ...", "Zudem
# bleibt der Konzern ...", "Der 45-Jährige ...") is read with the sentence before it, which
# names who it is about; an apposition that names it ("Der Konzern Microsoft") stands alone.
# An adverb may stand before the finite verb and the subject ("Zudem bleibt das Unternehmen").
_GENERIC_OPENERS = ("zudem|außerdem|auch|nun|jetzt|inzwischen|mittlerweile|dabei|damit|dennoch|trotzdem"
                    "|heute|derzeit|bereits|schon|allerdings|zuletzt|zuvor|später|damals|gleichzeitig"
                    "|zugleich|anschließend|daher|deshalb|dann|danach|seither|ebenfalls|immerhin|weiterhin")
GENERIC_SUBJECT = re.compile(
    r"^\W*(?:(?:" + _GENERIC_OPENERS + r")\s+\w+\s+)?(?:der|die|das)\s+(?:[\w-]*-)?(?:\w*(?:unternehmen"
    r"|konzern|firma|gruppe|hersteller|anbieter|betreiber|händler|sender|verein|klub|club|partei|behörde"
    r"|ministerium|gericht|bank|start-up|startup)|manager(?:in)?|chef(?:in)?|politiker(?:in)?|sprecher(?:in)?"
    r"|präsident(?:in)?|minister(?:in)?|trainer(?:in)?|spieler(?:in)?|sänger(?:in)?|künstler(?:in)?"
    r"|autor(?:in)?|gründer(?:in)?|\d+-jährige[nr]?)\b(?!\s+(?-i:[A-ZÄÖÜ]))",
    re.IGNORECASE)

# -- clauses and roles (rag.answer.clauses, rag.answer.roles) ------------------------------------
# Conjunctions that may join two clauses; a piece without a verb is put back to its neighbour,
# so "Nvidia, MGX und Microsoft" stays one phrase.
CLAUSE_CONJUNCTIONS = frozenset({"und", "oder", "aber", "sondern", "sowie", "doch", "denn"})
# Determiners that cannot open a nominative phrase, and those that mark a dative.
DATIVE_DETERMINERS = frozenset({"dem", "einem", "ihrem", "seinem", "diesem", "jenem", "unserem", "meinem", "eurem",
                                "jedem", "keinem", "welchem", "manchem"})
OBLIQUE_DETERMINERS = DATIVE_DETERMINERS | frozenset({"den", "des", "einen", "eines", "ihren", "seinen", "diesen",
                                                      "dieses", "unseren", "jenen", "meinen", "euren", "jeden",
                                                      "keinen", "welchen", "manchen"})
# After a noun or a number, these open its genitive attribute ("die Partnerschaft beider
# Unternehmen", "11 seiner 35 Würfe").
GENITIVE_DETERMINERS = frozenset({"des", "der", "eines", "einer", "beider", "aller", "dessen", "deren", "dieses",
                                  "ihrer", "seiner", "unserer", "meiner", "eurer", "ihres", "seines", "unseres",
                                  "dieser", "jener", "keiner", "keines", "mancher"})
# Prepositions whose object is the one a deed is done to or for ("Cloud-Partner für OpenAI",
# "eine Beteiligung an OpenAI", "gewann bei den Warriors").
TARGET_PREPOSITIONS = frozenset({"an", "für", "zu", "gegen", "bei"})
# After a quantity, these name what it counts ("1,6 Milliarden Euro für Sozialleistungen").
OWNER_PREPOSITIONS = frozenset({"für", "an", "in"})
# Words that belong to a quantity, with their class: a percentage or an amount of money.
QUANTITY_UNITS = {
    "%": "%", "prozent": "%", "prozentpunkt": "%", "prozentpunkte": "%", "percent": "%",
    "euro": "money", "dollar": "money", "us-dollar": "money", "pfund": "money", "franken": "money",
    "yen": "money", "yuan": "money", "rubel": "money",
    "milliarde": "", "milliarden": "", "million": "", "millionen": "", "mio": "", "mrd": "", "tausend": "",
    "billion": "", "billionen": "",
}
# A count word compounded with a fraction or a multiple ("Dreiviertel", "zehnmal", "zweifache"):
# a value, which counts like the count word alone ("drei Viertel").
VALUE_COMPOUND = re.compile(r"(" + "|".join(sorted((w for w in COUNT_WORDS if w.isalpha()), key=len, reverse=True))
                            + r")(viertel|drittel|fünftel|zehntel|fach|fache|fachen|facher|faches|mal|malig\w*)")
# Nouns that measure or date rather than take part: never a participant ("die Hälfte der
# Führungskräfte" is about the Führungskräfte).
UNIT_NOUNS = frozenset(QUANTITY_UNITS) | frozenset(MONTH_NUMBERS) | frozenset(
    """jahr jahre jahren jahres monat monate monaten woche wochen tag tage tagen stunde stunden minute minuten
    uhr mal prozentpunkten anfang ende mitte montag dienstag mittwoch donnerstag freitag samstag sonntag
    heute gestern vorjahr ortszeit hälfte drittel viertel fünftel zehntel""".split())
# Auxiliaries, modals and copulas: a clause's verb only when it has no other, and never
# enough to pair a claim clause with a passage clause.
LIGHT_VERBS = frozenset({"sein", "haben", "werden", "sollen", "können", "müssen", "wollen", "dürfen", "mögen"})
# Copulas: their subject is what the predicate describes ("Microsoft bleibt der größte
# Kapitalgeber"); it does nothing.
COPULA_LEMMAS = frozenset({"sein", "werden", "bleiben"})
# Verbs of measure: their subject is what the quantity measures ("Die Runde betrug 6,6 Milliarden").
MEASURE_VERBS = frozenset({"betragen", "ausmachen", "kosten", "belaufen", "entsprechen", "umfassen", "wiegen",
                           "steigen", "ansteigen", "sinken", "fallen", "wachsen", "zurückgehen"})
# Verbs that report speech, placed after it with their own subject ("..., sagte Azevedo").
REPORTING_VERBS = frozenset({"sagen", "erklären", "schreiben", "berichten", "betonen", "heißen", "meinen",
                             "kritisieren", "beklagen", "fordern", "mitteilen", "warnen", "ergänzen", "begründen",
                             "bestätigen", "versichern", "behaupten", "zitieren", "erläutern", "unterstreichen",
                             "antworten", "fragen", "klagen", "mahnen", "einräumen", "argumentieren", "glauben"})
# Personal pronouns that may be a subject ("..., schreibt er").
SUBJECT_PRONOUNS = frozenset({"ich", "du", "er", "sie", "es", "wir", "ihr", "man"})

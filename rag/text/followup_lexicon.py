"""Word lists and patterns of follow-up resolution (rag.answer.condense, references, mentions,
referents, ellipsis, phrases, binding, names): which words point back to the last turn, and
which words make or break a name. Facts of German and English, not tuning numbers; the rest
of the project's word lists are in rag/text/lexicon.py.
"""

from __future__ import annotations

import re

# -- follow-up questions (rag.answer.condense, rag.answer.mentions) ---------------------------
# A conjunction that opens a follow-up ("Und wer ...?", "And in 2020?"); it is dropped from a rewrite.
FOLLOW_UP_LEAD = re.compile(r"^\W*(und|aber|also|dann|and|but|so|then)\b[\s,]*", re.IGNORECASE)
# "Und was ist mit X?", "Wie sieht es bei X aus?", "What about X?": X takes a place in the last question.
ABOUT_ELLIPSIS = re.compile(
    r"^\W*(?:(?:und|aber|and|but)\s+)?(?:was\s+ist\s+(?:denn\s+)?(?:eigentlich\s+)?mit|wie\s+(?:ist|steht)\s+es\s+mit"
    r"|wie\s+sieht\s+es\s+(?:mit|bei)|(?:what|how)\s+about)\s+(?P<x>.+?)(?:\s+aus)?\W*$"
    # "Wie sieht es in Tirol aus?": the preposition is the fragment's own
    r"|^\W*(?:(?:und|aber)\s+)?wie\s+sieht\s+es\s+(?=(?:in|im|an|am|auf|für|unter|zwischen)\s)(?P<y>.+?)\s+aus\W*$",
    re.IGNORECASE)
QUESTION_WORDS = frozenset("""wer wen wem wessen was wann wo wohin woher warum wieso weshalb weswegen wie
welche welcher welches welchen welchem wieviel wieviele who whom whose what when where why how which""".split())
# Words that close a bare question word ("Und wann genau?", "And why then?").
BARE_WH_FILLERS = frozenset("genau denn noch dann eigentlich bitte sonst exactly then else again".split())
# Of those, the ones that ask for more of the same ("Und wer noch?", "Who else?"): kept in the rewrite.
ADDITIVE_FILLERS = frozenset("noch sonst else".split())
# Third-person pronouns that point back to a person or a thing of the last turn. German "es"
# is left out: it is mostly impersonal ("gibt es", "wie geht es"). "sie"/"ihr" capitalised
# inside a sentence are the polite "Sie", addressing the assistant.
PERSONAL_PRONOUNS = frozenset("er ihn ihm sie he him she they them".split())
POSSESSIVE_PRONOUNS = frozenset("""sein seine seinen seinem seiner seines ihr ihre ihren ihrem ihrer ihres
his her its their""".split())
# "it" points back unless it is impersonal: "Is it true that ...", "it is said", "it rains".
IMPERSONAL_IT = re.compile(r"\bit\s+(?:is|was|'s|will\s+be|would\s+be|has\s+been)?\s*(?:true|possible|likely|known"
                           r"|said|reported|clear|raining)\b|\b(?:is|was)\s+it\s+(?:true|possible|likely|known|clear)\b",
                           re.IGNORECASE)
# Verbs whose subject "es" stands for nothing: "Gibt es ...", "Wie geht es ...", "Wie steht es
# um ...", "Wie sieht es aus", "Stimmt es, dass ...", "Worum handelt es sich", "Es regnet".
IMPERSONAL_ES_VERBS = frozenset("""geben gehen stehen aussehen sehen stimmen handeln regnen schneien klappen
lohnen kommen""".split())
# Weather and time of day: "How hot does it get there?", "Is it raining in Vienna?".
WEATHER_WORDS = frozenset("""hot cold warm cool sunny rainy windy dark light late early rain rains raining
snow snows snowing""".split())
# "there" of existence, not of place: "Is there ...", "there are ...".
EXISTENTIAL_THERE = re.compile(r"\b(?:is|are|was|were|will|would|has|have|had)\s+there\b"
                               r"|\bthere\s+(?:is|are|was|were|will|would|has|have|had|'s)\b", re.IGNORECASE)
PLACE_REFERENCES = re.compile(r"\b(dort|dorthin|daher\s+kommend|there)\b", re.IGNORECASE)
TIME_REFERENCES = re.compile(
    r"\b(damals|seinerzeit|zu\s+(?:dieser|jener|der)\s+zeit|zu\s+(?:diesem|jenem|dem)\s+zeitpunkt|zum\s+damaligen\s+zeitpunkt"
    r"|at\s+(?:that|the)\s+time|back\s+then|in\s+those\s+days|then(?=\W*$)"
    r"|(?P<year>(?:in\s+(?:dem|jenem|demselben|dem\s+gleichen|dem\s+selben)|im\s+(?:selben|gleichen))\s+jahr(?:e)?"
    r"|(?:in\s+)?(?:that|the\s+same|that\s+same)\s+year))\b", re.IGNORECASE)
# Nouns that, definite and bare ("das Unternehmen", "the company"), point back to a thing the
# last turn named. Not followed by a name of their own ("the president of France" is not one).
GENERIC_HEADS = frozenset("""unternehmen konzern firma hersteller autohersteller startup start-up
verein klub club mannschaft team partei stadt land staat regierung behörde ministerium organisation
projekt deal abkommen vertrag partnerschaft plattform dienst netzwerk sender bank institut gericht
politiker politikerin spieler spielerin trainer trainerin sänger sängerin künstler künstlerin band
manager managerin chef chefin präsident präsidentin minister ministerin gründer gründerin
konferenz gipfel turnier festival studie bericht film buch gerät produkt modell investor investoren
company firm corporation group startup club team party city country state government agency
organisation organization project deal agreement platform service network broadcaster bank court
politician player coach singer artist band manager boss president minister founder conference
summit tournament festival study report film movie book device product model investor man woman
auto wagen fahrzeug car vehicle phone app software zeitung zeitschrift magazin newspaper paper magazine
hochschule universität uni schule university college school airline fluglinie fluggesellschaft autobauer
carmaker maker anbieter betreiber händler versicherer retailer provider operator insurer smartphone handy
kette chain institute ministry authority
stürmer striker autor autorin author schauspieler schauspielerin actor actress regisseur ort town village
gemeinde region""".split())
# Of those, the ones that mean a person: "der Politiker" is the answer's person, "das Projekt" is not.
PERSON_HEADS = frozenset("""politiker politikerin spieler spielerin trainer trainerin sänger sängerin künstler
künstlerin manager managerin chef chefin präsident präsidentin minister ministerin gründer gründerin investor
politician player coach singer artist manager boss president minister founder investor man woman stürmer
striker autor autorin author schauspieler schauspielerin actor actress regisseur""".split())
# The kinds of the other generic nouns: a follow-up's noun of another kind than the last
# question asked for ("Which company ...?" -> "the car") means a thing that question named.
ORGANISATION_HEADS = frozenset("""unternehmen konzern firma hersteller startup start-up verein klub club mannschaft
team partei regierung behörde ministerium organisation sender bank institut gericht band company firm corporation
group party government agency organization broadcaster court zeitung zeitschrift magazin newspaper paper
magazine hochschule universität uni schule university college school airline fluglinie fluggesellschaft autobauer
carmaker maker anbieter betreiber händler versicherer retailer provider operator insurer kette chain institute
ministry authority""".split())
PLACE_HEADS = frozenset("stadt land staat city country state ort town village gemeinde region".split())
# Nouns of venues, the last part of a compound too ("Olympiastadion"): "dort" may mean "im Stadion".
VENUE_HEADS = ("stadion", "halle", "arena", "saal", "theater", "oper", "opera", "museum", "rathaus", "krankenhaus", "fabrik", "werk",
               "flughafen", "bahnhof", "hafen", "park", "platz", "zentrum", "schloss", "kirche", "dom", "kathedrale",
               "stadium", "hall", "theatre", "theater", "airport", "station", "factory", "plant", "square", "centre",
               "center", "cathedral", "palace", "castle")
# Of the organisations, the state's: "die Regierung", "the government" mean the country's own (a
# bridge, not a reference) unless the last turn spoke of one ("Welche Regierung ...?").
STATE_HEADS = frozenset("regierung behörde ministerium gericht government agency court ministry authority".split())
# Words of organisations and places, so a two-word name with one is no person ("Real Madrid",
# "Thrive Capital", "Los Angeles"); two or three plain words otherwise are taken for a person.
NON_PERSON_NAME_WORDS = frozenset("""ag gmbh se kg inc ltd llc corp corporation co group gruppe holding capital
partners ventures bank motors airlines airways ai labs systems technologies media verlag stiftung verein fc sc sv
club city united real open republik republic union league liga bundesliga san los las new st saint sankt bad port
nord süd ost west north south east west""".split())
# Countries German names with an article ("die Schweiz", "in der Türkei"): names all the same.
ARTICLE_COUNTRIES = frozenset("""schweiz türkei ukraine slowakei mongolei usa niederlande philippinen
malediven seychellen bahamas iran irak jemen libanon sudan tschad kongo niger senegal vatikan""".split())
# The endings of German abstract nouns: never a name, with or without an article before them
# ("nach Einschätzung von Beobachtern").
ABSTRACT_ENDINGS = ("ung", "ungen", "heit", "heiten", "keit", "keiten", "schaft", "schaften", "tion", "tionen",
                    "tät", "täten", "nis", "nisse", "ismus")
# Compounds ending in these describe an organisation before its name ("der Softwarekonzern
# Oracle"): the name follows, but it names no person.
ORGANISATION_WORDS = re.compile(r"(konzern|unternehmen|firma|hersteller|verein|klub|club|startup|start-up|bank"
                                r"|sender|partei|gruppe|riese|gigant|company|firm|group)$", re.IGNORECASE)
# "dabei", "dafür": a preposition fused with a thing the last turn named; "bei X", "für X".
PRONOMINAL_ADVERBS = {"dabei": "bei", "dafür": "für", "dazu": "zu", "davon": "von", "daran": "an",
                      "darüber": "über", "damit": "mit", "darauf": "auf", "dagegen": "gegen", "darin": "in",
                      "daraus": "aus", "dahinter": "hinter"}
# A question that asks for a name or a place: its answer's new name is what "er", "dort" or
# "das Unternehmen" in the next question means ("Wer ist CTO von Microsoft?" -> Kevin Scott).
ASKS_ENTITY = re.compile(
    r"^\W*(?:(?:und|and)\s+)?(?:(?:in|an|bei|aus|mit|von|zu|nach|für|auf|in|at|from|with|by|for|of|to)\s+)?"
    r"(wer|wen|wem|who|whom|wo|where|wohin|woher|welche[mnrs]?(?:\s+[\w-]+)?|which(?:\s+[\w-]+)?|wie\s+hei(?:ß|ss)(?:t|en)|what\s+is\s+the\s+name"
    r"|what\s+(?:company|firm|team|city|country|party|person))\b", re.IGNORECASE)
# The question phrase a bare follow-up ("Und wann?") replaces in the last question.
QUESTION_PHRASE = re.compile(
    r"^(\W*)((?:(?:in|an|bei|mit|von|seit|bis|für|aus|zu|at|by|with|from|since|until|for|of|to)\s+)?"
    r"(?:wie\s+viele?|wieviele?|wie\s+hoch|wie\s+lange|wie\s+oft|wie\s+gro(?:ß|ss)|how\s+(?:much|many|long|often|high|big)"
    r"|welche[mnrs]?\s+\w+|which\s+\w+|wer|wen|wem|wessen|was|wann|wo|wohin|woher|warum|wieso|weshalb|wie|who|whom"
    r"|whose|what|when|where|why|how))\b", re.IGNORECASE)
DEFINITE_ARTICLES = frozenset("der die das den dem des the".split())
DEMONSTRATIVES = frozenset("""dieser diese dieses diesen diesem this that these those""".split())
# Titles before a name ("Konzernchef Satya Nadella", "CTO Kevin Scott"): not part of the name.
TITLE_WORDS = re.compile(
    r"(chef|chefin|ceo|cto|cfo|coo|präsident|präsidentin|president|minister|ministerin|kanzler|kanzlerin"
    r"|chancellor|trainer|trainerin|coach|gründer|gründerin|founder|sprecher|sprecherin|spokesman"
    r"|direktor|direktorin|director|vorsitzende|vorsitzender|bürgermeister|bürgermeisterin|mayor"
    r"|premier|premierminister|premierministerin|milliardär|milliardärin|billionaire|insider|experte"
    r"|expertin|analyst|analystin|konzern|unternehmen|investor|investoren)$", re.IGNORECASE)
# Between two parts of one name: "Ursula von der Leyen", "Ludwig van Beethoven".
NAME_PARTICLES = frozenset({("von",), ("von", "der"), ("van",), ("van", "der"), ("van", "den"), ("de",), ("de", "la"),
                            ("da",), ("di",), ("du",), ("le",), ("la",), ("al",), ("bin",)})
# Capitalised words of amounts and calendars, never names: "13 Milliarden US-Dollar", "im März".
NOT_NAMES = frozenset("""dollar us-dollar euro franken pfund prozent cent milliarde milliarden million
millionen billion billionen tausend percent billion million montag dienstag mittwoch donnerstag
freitag samstag sonntag monday tuesday wednesday thursday friday saturday sunday jahr jahre jahren
year years ki seitens laut dank gemäß angesichts anlässlich zufolge""".split())
# Endings of German common nouns, so a capitalised word that opens a sentence is no name.
NOUN_ENDINGS = ("ung", "ungen", "heit", "keit", "schaft", "tion", "tionen", "tät", "täten", "nis", "nisse",
                "ismus", "innen", "er", "en", "chen", "lein", "ment", "ik")

# -- follow-up word lists used by the resolver (rag.answer.condense, rag.answer.references) -----
# "Wer ist Mustafa Suleyman?": a question made of these words and names asks about the name.
COPULA_QUESTION = frozenset("wer was who what ist war sind waren is was are were eigentlich genau denn".split())
# "Wann war das?": a question word, a verb and one of these asks the last question anew.
EVENT_PRONOUNS = frozenset("das dies this that it".split())
# "sie" with one of these (or a verb in -en) is plural: "Wo haben sie sich kennengelernt?"
PLURAL_VERBS = frozenset("sind haben waren hatten werden wurden können wollen sollen".split())
# "Larry Page und Sergey Brin", "Oracle und der japanische Technologiekonzern Softbank": the
# gap between two names a plural pronoun means together.
COORDINATION = re.compile(r"^\s*(?:,|und|and|sowie|&)\s+(?:[\w-]+\s+){0,4}$|^\s*,\s*$", re.IGNORECASE)
ARTICLE_LIKE = frozenset("der die das den dem des ein eine einen einem einer eines kein keine im am zum zur vom "
                         "beim ins the a an this that these those".split())

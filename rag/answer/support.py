"""How well a passage supports one claim, and which span of it does (claim verification's
scorer; rag/answer/citations.py decides what to do with the score).

A claim is supported by a window of the passage: one sentence, a sentence with the one
before it that it points back to ("Zu dieser Zeit hatte Microsoft ..."), or a sentence read
under its headline: the nearest heading line above it, the article's title and, in the first
chunk, the teaser before the dateline. A headline names what the sentences under it are
about ("500 Milliarden für Stargate" over "Insgesamt 500 Milliarden US-Dollar sollen dabei
... fließen"), so a claim may join the two.

A window supports nothing when it lacks one of the claim's numbers or names, or gives its
participants other roles (rag/answer/facts.py, rag/answer/roles.py): the words of a
recombined claim are all there, its facts are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from rag.answer.clauses import clauses
from rag.answer.facts import facts_held, looks_english, roles_swapped
from rag.answer.joins import APPOSITION_REASON, apposition_conflict, spread_conflict
from rag.answer.headlines import headline_roles, unstated_names
from rag.answer.roles import agent_names, role_conflict
from rag.core.config import CitationSettings
from rag.core.types import Chunk
from rag.answer.windows import Window, headlines, joined_windows, windows
from rag.text.lexicon import LIGHT_VERBS
from rag.text.sentences import sentence_spans
from rag.text.tagging import load_tagger
from rag.text.terms import tokenize


@dataclass
class SupportScorer:
    """Scores how well a chunk sentence supports an answer sentence, 0..1."""

    embed: Callable[[list[str]], np.ndarray] | None = None  # normalised rows
    settings: CitationSettings = field(default_factory=CitationSettings)
    # The question answered: names it states may stand outside the span (facts_held).
    premise: str = ""
    # Optional second opinion on a supported claim: P(the span entails the claim), 0..1
    # (rag/backends/entailment.py); None: not asked.
    entail: Callable[[str, str], float] | None = None
    _cache: dict[str, tuple[list[tuple[int, int]], np.ndarray | None]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # claim -> why its best window failed
    # (premise, claim) -> the highest word coverage of a window that failed on its roles, over
    # every passage scored for it so far (see best_span and survey).
    told: dict[tuple[str, str], float] = field(default_factory=dict)
    _verdicts: dict[tuple[str, str, str], list[tuple[str, bool]]] = field(default_factory=dict)
    # (claim, chunk id) -> the sentence spans of the window best_span chose last (several when
    # linked sentences support the claim together).
    parts: dict[tuple[str, str], tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @staticmethod
    def warm_up() -> None:
        """Load what the role checks read German with (HanTa's model, 0.5 s), so that the first
        answer needing them does not wait for it under load; `rag serve` calls it at startup."""
        load_tagger()

    def verbatim_span(self, sentence: str, chunk: Chunk) -> tuple[int, int] | None:
        """The span of a sentence of `chunk` that is the claim word for word (the extractive
        reader's answers are): it states its own facts with its own roles, so no window needs
        reading. Profiled on 40 seeds questions, the role checks of the other windows took 63 %
        of an answer's time."""
        want = _plain(sentence)
        spans, _ = self._spans(chunk, with_vectors=False)
        for s, e in spans:
            text = _plain(chunk.text[s - chunk.start:e - chunk.start])
            # The reader closes a sentence that has no final punctuation (a heading line,
            # "... Benutzer.)") with a period: the same words.
            if text == want or (text and text[-1] not in ".!?" and text + "." == want):
                return s, e
        return None

    def survey(self, sentence: str, chunks: list[Chunk]) -> None:
        """Score the claim against every passage first, so that a passage that tells its event
        with other roles is known before any passage is chosen (the order of hits must not
        decide)."""
        for chunk in chunks:
            self._window_verdicts(sentence, chunk)

    def _window_verdicts(self, sentence: str, chunk: Chunk):
        spans, _ = self._spans(chunk, with_vectors=False)
        texts = [chunk.text[s - chunk.start:e - chunk.start] for s, e in spans]
        wins = windows(chunk, spans, texts)
        window_texts = [_joined(texts, w) for w in wins]
        key = (self.premise, sentence, chunk.chunk_id)
        if key not in self._verdicts:
            context = f"{chunk.title} {chunk.text}"
            if appo := apposition_conflict(sentence, context) if not looks_english(sentence) else "":
                self._verdicts[key] = [(appo, False)] * len(wins)  # no window of this passage states it
            else:
                self._verdicts[key] = [self._fails(sentence, w, t, texts, context, chunk)
                                       for w, t in zip(wins, window_texts)]
            for (_, roles), w, t in zip(self._verdicts[key], wins, window_texts):
                if roles:
                    told = self.told.get((self.premise, sentence), 0.0)
                    self.told[(self.premise, sentence)] = max(told, _coverage(sentence, w, t))
        return spans, texts, wins, window_texts, self._verdicts[key]

    def _spans(self, chunk: Chunk, with_vectors: bool):
        spans, vecs = self._cache.get(chunk.chunk_id, (None, None))
        if spans is None:
            spans = sentence_spans(chunk.text, offset=chunk.start)
        if with_vectors and vecs is None and self.embed is not None and spans:
            vecs = self.embed([chunk.text[s - chunk.start:e - chunk.start] for s, e in spans])
        self._cache[chunk.chunk_id] = (spans, vecs)
        return spans, vecs

    def best_span(self, sentence: str, chunk: Chunk) -> tuple[float, tuple[int, int]]:
        """(support, (start, end) in document offsets) of the window that supports the claim
        best; a window whose facts or roles disagree with the claim supports nothing."""
        verbatim = self.verbatim_span(sentence, chunk)
        if verbatim is not None:
            text = chunk.text[verbatim[0] - chunk.start:verbatim[1] - chunk.start]
            self.parts[(sentence, chunk.chunk_id)] = (verbatim,)
            return self._confirmed(sentence, text, 1.0), verbatim
        spans, texts, wins, window_texts, verdicts = self._window_verdicts(sentence, chunk)
        if not spans:
            return 0.0, (chunk.start, chunk.end)
        support, w, text = self._best_window(sentence, chunk, spans, wins, window_texts, verdicts)
        told = self.told.get((self.premise, sentence), 0.0)
        apposition = any(reason.startswith(APPOSITION_REASON) for reason, _ in verdicts)
        if support < self.settings.min_support and told < 1.0 and not looks_english(sentence) and not apposition:
            # No one sentence states the claim: several linked ones may, each one of its facts
            # with the claim's roles. Read by their words, as headline windows are (an
            # embedding of one of them would credit it with the others' facts).
            joined = joined_windows(sentence, texts, headlines(chunk, spans, texts),
                                    self.settings.max_joined_sentences, self.settings.joined_reach)
            context = f"{chunk.title} {chunk.text}"
            scored = sorted(((_coverage(sentence, jw, _joined(texts, jw)), -len(jw.parts), bool(jw.headline), jw)
                             for jw in joined), key=lambda x: x[:3], reverse=True)
            for cover, _, _, jw in scored:  # the most words with the fewest sentences first
                if cover < self.settings.min_support:
                    break
                jt = _joined(texts, jw)
                why = self._fails(sentence, jw, jt, texts, context, chunk)[0] or spread_conflict(
                    sentence, [texts[i] for i in jw.parts], jw.headline)
                if not why:
                    support, w, text = cover, jw, f"{jw.headline} {jt}".strip()
                    break
        self.parts[(sentence, chunk.chunk_id)] = tuple(spans[i] for i in w.parts)
        return self._confirmed(sentence, text, support), (spans[w.first][0], spans[w.last][1])

    def _best_window(self, sentence: str, chunk: Chunk, spans, wins: list[Window], window_texts: list[str],
                     verdicts) -> tuple[float, Window, str]:
        """(support, window, its text with its headline) of the best of the plain windows."""
        why = [reason for reason, _ in verdicts]
        held = np.array([not reason for reason in why])
        lexical = np.array([_coverage(sentence, w, t) for w, t in zip(wins, window_texts)])
        lexical_all = lexical.copy()
        # A window with every word of the claim that gives its participants other roles tells
        # the claim's event, the other way round: a looser window elsewhere does not rescue the
        # claim (dev: role swaps kept by a half-matching sentence of another event).
        told = self.told.get((self.premise, sentence), 0.0)
        if told >= 1.0:
            held &= lexical_all >= told
        lexical = np.where(held, lexical, 0.0)
        single = np.array([w.single for w in wins])
        if (lexical[single] >= 1.0).any():
            # Full word coverage by one sentence (e.g. a quoted sentence) is maximal
            # support: skip embedding.
            best = int(np.argmax(np.where(single, lexical, 0.0)))
            return 1.0, wins[best], window_texts[best]
        _, vecs = self._spans(chunk, with_vectors=True)
        dense = np.zeros(len(wins))
        if vecs is not None:
            cos = vecs @ self.embed([sentence])[0]
            # Map cosine onto 0..1 so that min_cosine lands at 0.5, the acceptance line.
            per_sentence = np.clip(0.5 + (cos - self.settings.min_cosine) * 5.0, 0.0, 1.0)
            # A headline window is read by its words: the embedding is of the sentence alone,
            # and would credit it with the headline's facts.
            dense = np.array([0.0 if w.headline else per_sentence[list(w.parts)].max() for w in wins])
            if not looks_english(sentence):
                # A German claim shares words with the German sentence it rests on: e5 put
                # "Ein OpenAI-Mitarbeiter soll Suleyman angeschrien haben" above the line for
                # "Suleyman leitet nun ein neues Team bei Microsoft" (1 of 6 words shared).
                dense = np.where(lexical_all >= self.settings.min_lexical_for_dense, dense, 0.0)
        combined = np.where(held, np.maximum(lexical, dense), 0.0)
        if combined.max() < self.settings.min_support:
            # Say why the window that looked most like the claim does not support it.
            raw = np.maximum(dense, lexical_all)
            closest = int(np.argmax(raw))
            if why[closest] and raw[closest] >= self.settings.min_support:
                self.reasons[sentence] = why[closest]
        # A plain sentence before a pair or a headline window when they support it equally.
        best = max(range(len(wins)), key=lambda i: (round(float(combined[i]), 6), single[i]))
        return float(combined[best]), wins[best], f"{wins[best].headline} {window_texts[best]}".strip()

    def _fails(self, claim: str, w: Window, text: str, texts: list[str], context: str,
               chunk: Chunk) -> tuple[str, bool]:
        """Why the window does not state the claim's facts with its roles ("" when it does),
        and whether the reason is its roles (the window holds the claim's facts otherwise)."""
        stated = f"{w.headline} {text}".strip()
        if not facts_held(claim, stated, self.premise, context, chunk.date or ""):
            return "a number or name of it is not there", False
        if roles_swapped(claim, text):
            return "its participants stand the other way round there", True
        if looks_english(claim):
            return "", False  # the clause rules read German; an English claim keeps the fact checks above
        previous = texts[w.first - 1] if w.first > 0 else ""
        elsewhere = _verbs_elsewhere(claim, stated, [t for i, t in enumerate(texts) if i not in w.parts])
        if elsewhere:
            return f"the passage says “{elsewhere}” in another sentence", False
        missing = unstated_names(claim, stated, context)
        if missing and not _given(missing, self.premise, context) and not _referred(missing, text, previous):
            return f"it does not name {', '.join(missing)} there", False
        borrowed = [n for n in unstated_names(claim, text, context) if not _given([n], self.premise, context)]
        if w.headline and borrowed and not _referred(borrowed, text, previous):
            if why := headline_roles(claim, borrowed, w.headline, text):
                return why, False
        why = role_conflict(claim, text, w.headline, previous, known=context)
        return why, bool(why)

    def _confirmed(self, claim: str, text: str, support: float) -> float:
        """Support, unless the entailment check (when configured) says the text does not
        entail the claim; asked only for claims that pass the rules."""
        if self.entail is None or support < self.settings.min_support:
            return support
        p = self.entail(text, claim)
        if p < self.settings.entailment_threshold:
            self.reasons[claim] = f"the local model finds it not entailed (p={p:.2f})"
            return 0.0
        return support


def _joined(texts: list[str], w: Window) -> str:
    return " ".join(texts[i] for i in w.parts)


def _coverage(claim: str, w: Window, text: str) -> float:
    """The share of the claim's words the window (with its headline) has."""
    words = set(tokenize(claim))
    return len(words & set(tokenize(f"{w.headline} {text}"))) / len(words) if words else 0.0


def _plain(text: str) -> str:
    """Text compared word for word: one space between words, none before punctuation."""
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))


def _verbs_elsewhere(claim: str, stated: str, others: list[str]) -> str:
    """A verb of the claim that the window lacks and another sentence of the passage has: the
    claim's event is told there, so this window is not where it stands ("Döpfner übermittelte
    die Forderung" where the ambassador "übermittelte die Forderung" two sentences before)."""
    wanted = {c.verb for c in clauses(claim) if c.verb and c.verb not in LIGHT_VERBS}
    missing = wanted - {c.verb for c in clauses(stated)}
    if not missing:
        return ""
    told = {c.verb for t in others for c in clauses(t)}
    return next(iter(sorted(missing & told)), "")


def _referred(names: list[str], text: str, previous: str) -> bool:
    """Names the span refers to without naming them: its agent is unnamed ("Der wertvollste
    Profi", "er") and the sentence before names that agent. role_conflict then checks that
    the claim gives them the same role."""
    if not previous or not any(c.agent_pronoun for c in clauses(text)):
        return False
    before = agent_names(previous)
    return bool(before) and all(set(tokenize(n)) & before for n in names)


def _given(names: list[str], premise: str, context: str) -> bool:
    """Names the question itself states may stand anywhere in the passage (facts_held)."""
    if not premise:
        return False
    asked = premise.casefold()
    return all(n.casefold() in asked and n.casefold() in context.casefold() for n in names)

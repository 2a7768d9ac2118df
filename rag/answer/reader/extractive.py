"""The extractive reader: answer with the passage sentences that best answer the question.

No LLM, so nothing is invented: every answer sentence is a verbatim sentence of a passage,
cited with its passage number. A sentence is scored by idf-weighted coverage of the
question's stemmed terms plus its embedding similarity to the question, and discounted when
it lacks the kind of value the question asks for (a number, a date). When the best one is
too weak, the reader finds nothing and the caller refuses in the question's language.

It serves three callers: the `extractive` backend (its answer), the LLM gate (whether the
passages answer at all) and evidence selection (which sentences an LLM is shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from rag.answer.reader.candidates import Candidate, candidates
from rag.answer.reader.features import coverage, matched, term_weights
from rag.answer.reader.values import offers_answer_type, reports_change, states_bound
from rag.core.config import ReaderSettings
from rag.core.types import Hit, QuestionAnalysis, QuestionPart


@dataclass(frozen=True)
class SentenceScores:
    """How each candidate answers one question part, aligned with the candidates."""

    weights: dict[str, float]  # the part's terms and their idf weights
    scores: np.ndarray  # float per candidate
    typed: np.ndarray  # bool per candidate: offers the asked-for kind of value


@dataclass(frozen=True)
class Selected:
    """A chosen answer sentence (with its antecedent when it points back)."""

    number: int  # passage number, 1-based
    text: str
    score: float


class ExtractiveReader:
    def __init__(self, settings: ReaderSettings, idf: Callable[[str], float] | None = None,
                 embedder: Callable[[], object | None] | None = None):
        self.settings = settings
        self.idf = idf or (lambda token: 1.0)  # token -> idf over the whole index
        self._embedder = embedder or (lambda: None)  # supplied lazily: loading it is costly
        self._vectors: dict[str, np.ndarray] = {}  # sentence -> embedding (see _sentence_vectors)

    # -- scoring ------------------------------------------------------------------------------
    def _dense(self, question: str, texts: list[str], floor: float) -> np.ndarray:
        embedder = self._embedder()
        if embedder is None:
            return np.zeros(len(texts))
        q = embedder.encode_queries([question])[0]
        cos = self._sentence_vectors(embedder, texts) @ q
        return np.clip((cos - floor) / (self.settings.cos_ceiling - floor), 0, 1)

    def _sentence_vectors(self, embedder, texts: list[str]) -> np.ndarray:
        """Each sentence is embedded once: every part of a compound question, the LLM's
        evidence selection and its gate score the same candidates."""
        # Read into a local mapping: another request may replace the shared one meanwhile.
        cache = self._vectors
        found = {t: v for t in dict.fromkeys(texts) if (v := cache.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = dict(zip(missing, embedder.encode_documents(missing)))
            found.update(fresh)
            # Replaced, never mutated: a concurrent reader keeps a consistent mapping.
            full = len(cache) + len(fresh) > self.settings.sentence_cache_size
            self._vectors = fresh if full else {**cache, **fresh}
        return np.array([found[t] for t in texts])

    def score(self, part: QuestionPart, cands: list[Candidate], language: str) -> SentenceScores:
        """How well each candidate answers `part` of a question in `language`."""
        s = self.settings
        weights = term_weights(part, self.idf)
        if not cands or not weights:
            return SentenceScores(weights, np.zeros(len(cands)), np.zeros(len(cands), dtype=bool))
        lexical = np.array([coverage(c, weights, s.related_credit) for c in cands])
        # An English question's cosine to the German sentence that answers it is lower than
        # its German translation's, so its floor is lower (see ReaderSettings).
        floor = s.cos_floor - (s.cross_lingual_cos_gap if language != "de" else 0.0)
        dense = self._dense(part.text, [c.text for c in cands], floor)
        # A German question's words are strong evidence; an English question's score rests
        # on meaning.
        lex_weight = s.lexical_weight if language == "de" else s.cross_lingual_lexical_weight
        scores = lex_weight * lexical + (1 - lex_weight) * dense
        if part.about_now:
            scores = scores + s.change_bonus * np.array([reports_change(c.text) for c in cands])
        kind = part.expected
        # A sentence that points back ("Dieses Team ...") is answered together with its
        # previous sentence, so the value may stand there.
        typed = np.array([offers_answer_type(c.text, kind, part.text) or (
            c.points_back and offers_answer_type(c.previous, kind, part.text)) for c in cands])
        # "Bis wann ...?": when some sentence states the bound ("bis 2030"), a date without
        # it (the year it began) answers a different question. Without one, any date will do.
        bounded = np.array([bool(states_bound(c.text, part)) for c in cands])
        if (typed & bounded).any():
            typed = typed & bounded
        return SentenceScores(weights, np.where(typed, scores, scores * s.wrong_type_factor), typed)

    # -- selection ----------------------------------------------------------------------------
    def _select_for(self, part: QuestionPart, cands: list[Candidate], language: str) -> list[tuple[int, float]]:
        """(candidate index, score) for one simple question, best first; empty: no answer."""
        s = self.settings
        scored = self.score(part, cands, language)
        weights, scores, typed = scored.weights, scored.scores, scored.typed
        if not weights or not len(scores):
            return []
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        best = order[0]
        # When even the best sentence lacks the number or date asked for, the passages talk
        # about the topic without answering: refuse rather than cite a near miss.
        if scores[best] < s.min_score or not typed[best]:
            return []
        covered = matched(cands[best], weights, s.related_credit)
        if part.expected and not self._anchored(weights, covered, scores[best], language, part):
            return []
        chosen = [best]
        for i in order[1:]:
            if len(chosen) >= s.max_sentences or scores[i] < s.relative_score * scores[best]:
                break
            # Citing a further article dilutes the answer's proof: it must come closer.
            if cands[i].source not in {cands[j].source for j in chosen} and (
                    scores[i] < s.other_source_relative_score * scores[best]):
                continue
            # An extra sentence must also offer the asked-for kind of value, or it is padding.
            if typed[i] and coverage(cands[i], weights, s.related_credit, covered) >= s.min_new_coverage:
                chosen.append(i)
                for t, c in matched(cands[i], weights, s.related_credit).items():
                    covered[t] = max(c, covered.get(t, 0.0))
        return [(i, float(scores[i])) for i in chosen]

    def _anchored(self, weights: dict[str, float], covered: dict[str, float], score: float,
                  language: str, part: QuestionPart) -> bool:
        """Is a sentence that offers the asked-for kind of value about what is asked?

        A number or a date is easy to find; the question's rarest words ("gegründet",
        "Umsatz") say which one is wanted, and its topic names (idf floored at 1: "OpenAI"
        in a corpus about OpenAI) say whose. Lacking a rare word is forgiven when the
        meaning is close (a paraphrase); lacking the named subject is not (Microsoft's
        layoffs do not answer how many people OpenAI employs), except for "Wer ...?", whose
        answer is the subject."""
        names = part.subject_terms
        if language != "de":
            # An English question shares only its names with German sentences: the answer
            # must mention one of them ("US-Präsident" for "Which US president"), if any.
            named = {t for t in names if t in weights and not t.isdigit()}
            return not named or any(t in covered for t in named)
        if part.expected != "name" and any(w <= 1.0 and t not in covered and t in names for t, w in weights.items()):
            return False
        rarest = sorted(weights.values(), reverse=True)[:2][-1]
        return score >= self.settings.unanchored_min_score or any(
            w >= rarest and t in covered for t, w in weights.items())

    def select(self, analysis: QuestionAnalysis, passages: Sequence[Hit]) -> list[Selected]:
        """The chosen sentences, best first; empty means the passages do not answer.

        A compound question is answered part by part: each sub-question's best sentence is
        kept, because a sentence that answers one part well would otherwise crowd out the
        other part's (often from another article)."""
        cands = candidates(passages)
        picks = [self._select_for(part, cands, analysis.language) for part in analysis.parts]
        if analysis.compound:
            picks = [p[:1] for p in picks]
        chosen: dict[int, float] = {}
        for i, score in (pick for part in picks for pick in part):
            chosen.setdefault(i, score)
        if len(chosen) > self.settings.max_sentences:
            chosen = dict(sorted(chosen.items(), key=lambda kv: -kv[1])[: self.settings.max_sentences])
        out, said = [], set()
        for i, score in chosen.items():
            c = cands[i]
            if c.text in said:  # already said as the antecedent of a sentence pointing back
                continue
            text = c.text if c.previous in said else " ".join(c.with_antecedent())
            said.add(c.text)
            if text != c.text:
                said.add(c.previous)
            out.append(Selected(c.number, text, score))
        return out


def answer_text(selected: Sequence[Selected]) -> str:
    """The chosen sentences, each with its passage marker before its final punctuation."""
    parts = []
    for chosen in selected:
        body = chosen.text.strip()
        tail = body[-1] if body[-1] in ".!?" else "."
        body = body[:-1] if body[-1] in ".!?" else body
        parts.append(f"{body} [{chosen.number}]{tail}")
    return " ".join(parts)

"""The extractive reader: answer with the passage sentences that best answer the question.

No LLM, so nothing is invented: every answer sentence is a verbatim sentence of a passage,
cited with its passage number. Which sentence answers, and whether any does, is decided by
a learned model (`model.py`) over FEATURES of each (question part, sentence) pair
(`features.py`); its parameters come from fit data only (`rag train-reader`). When the
model finds no answer, the caller refuses in the question's language. Which of the scored
sentences answer is `selection.py`'s; how they read as an answer, `wording.py`'s.

It serves three callers: the `extractive` backend (its answer), the LLM gate (whether the
passages answer at all) and evidence selection (which sentences an LLM is shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from rag.answer.reader.candidates import Candidate, candidates
from rag.answer.reader.features import sentence_features
from rag.answer.reader.model import ReaderModel, load_model, params_path
from rag.answer.reader.selection import Pick, pick
from rag.core.config import ReaderSettings
from rag.core.errors import ModelError
from rag.core.types import Hit, QuestionAnalysis, QuestionPart


@dataclass(frozen=True)
class SentenceScores:
    """How each candidate answers one question part, aligned with the candidates."""

    scores: np.ndarray  # P(the sentence answers the part), per candidate
    features: np.ndarray  # FEATURES rows
    answerable: float  # P(the passages answer the part at all)
    right: float = 0.0  # P(the best sentence, if given, is a right answer)


@dataclass(frozen=True)
class Selected:
    """A chosen answer sentence (with its antecedent when it points back)."""

    number: int  # passage number, 1-based
    text: str
    score: float
    # For a question about now whose newest source reports a change: "earlier" for the
    # older source's statement, "now" for the newest one's; each is shown with its date.
    state: str | None = None
    date: str | None = None
    date_source: str | None = None


@dataclass(frozen=True)
class Reading:
    """What the reader makes of the passages for one question."""

    selected: list[Selected]  # the answer sentences, best first; empty: refuse
    # How likely the response is right: for an answer, P(its sentences are right) (the
    # parameter file's confidence model; the answerability without one), of its weakest
    # answered part; for a refusal, P(the passages answer after all), the largest over the
    # parts (so 1 - confidence is the chance that the refusal is right).
    confidence: float
    # The sub-questions of a compound question that the passages do not answer while others
    # are answered; each is refused on its own (`unanswered_note`).
    unanswered: tuple[str, ...] = ()


class ExtractiveReader:
    def __init__(self, settings: ReaderSettings, idf: Callable[[str], float] | None = None,
                 embedder: Callable[[], object | None] | None = None, model: ReaderModel | None = None,
                 judge: Callable[[], Callable[[str, list[str]], float] | None] | None = None):
        self.settings = settings
        self.idf = idf or (lambda token: 1.0)  # token -> idf over the whole index
        self._embedder = embedder or (lambda: None)  # supplied lazily: loading it is costly
        # judge(question, sentences) -> verdict logit (rag/backends/judge.py), supplied lazily.
        self._judge = judge or (lambda: None)
        self._model = model
        self._vectors: dict[str, np.ndarray] = {}  # sentence -> embedding (see _sentence_vectors)
        # False when no parameters were fitted with this embedder: its cosines are on another
        # scale than the ones learned, so refusals are less reliable (the answer says so).
        self.fitted_for_embedder = True

    @property
    def params_file(self) -> str:
        """The parameter file the reader reads (the setting, or the embedder's own file)."""
        if self.settings.params_path:
            return str(self.settings.params_path)
        return str(params_path(getattr(self._embedder(), "model_id", None))[0])

    @property
    def model(self) -> ReaderModel:
        if self._model is None:
            if self.settings.params_path:
                self._model = load_model(self.settings.params_path)
            else:
                path, self.fitted_for_embedder = params_path(getattr(self._embedder(), "model_id", None))
                self._model = load_model(path)
        return self._model

    @property
    def judged(self) -> bool:
        """Does the judge take part? A judge set without a judged model in the parameter
        file is an error, never silently ignored."""
        if self.settings.judge == "none":
            return False
        if self.model.judged is None:
            raise ModelError(
                f"reader.judge={self.settings.judge!r}, but the parameter file {self.params_file} has no judged "
                "answerability. Fit one: rag train-reader --from-examples FILE --collect-judge VERDICTS, then "
                "rag train-reader --from-examples FILE --answerability keep --sentence-from PARAMS "
                "--judge-scores VERDICTS --judged-kind logistic (evals/README.md), or set reader.judge=none.")
        return True

    @property
    def threshold(self) -> float:
        override = self.settings.answer_threshold
        if override is not None:
            return override
        return self.model.judged_threshold if self.judged else self.model.threshold

    # -- scoring ------------------------------------------------------------------------------
    def cosines(self, question: str, texts: list[str]) -> np.ndarray:
        """Cosine of each text to the question (zeros without an embedder)."""
        embedder = self._embedder()
        if embedder is None or not texts:
            return np.zeros(len(texts))
        q = embedder.encode_queries([question])[0]
        return self._sentence_vectors(embedder, texts) @ q

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

    def adopt_sentence_vectors(self, other: "ExtractiveReader") -> None:
        """Start from the sentence vectors `other` has made (same embedder, another corpus:
        most sentences are the same). The mapping is replaced, never mutated, so the two
        readers never see each other's later changes half-made."""
        self._vectors = other._vectors

    def features_for(self, part: QuestionPart, cands: list[Candidate], language: str) -> np.ndarray:
        cos = self._part_cosines(part, cands)
        return sentence_features(part, cands, language, self.idf, cos, self.settings.related_credit)

    def _part_cosines(self, part: QuestionPart, cands: list[Candidate]) -> np.ndarray:
        """`cosines(part.text, candidate texts)`, from the vectors the request already has:
        the part's (computed once per request) and the candidates' stored ones."""
        embedder = self._embedder()
        if embedder is None or not cands:
            return np.zeros(len(cands))
        q = part.vector if part.vector is not None else embedder.encode_queries([part.text])[0]
        return self._candidate_vectors(embedder, cands) @ q

    def _candidate_vectors(self, embedder, cands: list[Candidate]) -> np.ndarray:
        """Each candidate's vector: stored by the index, else encoded (`_sentence_vectors`)."""
        if all(c.vector is not None for c in cands):
            return np.array([c.vector for c in cands])
        encoded = iter(self._sentence_vectors(embedder, [c.text for c in cands if c.vector is None]))
        return np.array([c.vector if c.vector is not None else next(encoded) for c in cands])

    def score(self, part: QuestionPart, cands: list[Candidate], language: str) -> SentenceScores:
        """How well each candidate answers `part` of a question in `language`, and how
        likely the candidates answer it at all."""
        if not cands:
            return SentenceScores(np.zeros(0), np.zeros((0, 0)), 0.0)
        x = self.features_for(part, cands, language)
        probs = self.model.sentence.probabilities(x)
        q = self.model.answerability_features(probs, x, part.expected, language)
        answerability = self.model.answerability
        if self.judged:
            judge = self._judge()
            if judge is None:
                raise ModelError("reader.judge is set, but no judge was supplied to the reader")
            best = cands[int(np.argmax(probs))]
            q = np.append(q, judge(part.text, best.with_antecedent()))
            answerability = self.model.judged
        answerable = float(answerability.probabilities(q[None, :])[0])
        return SentenceScores(probs, x, answerable, self.model.answer_confidence(answerable, q))

    # -- selection ----------------------------------------------------------------------------
    def _select_for(self, part: QuestionPart, cands: list[Candidate],
                    language: str) -> tuple[list[Pick], SentenceScores]:
        """((candidate index, probability, state) for one simple question, best first;
        empty: no answer), and the part's scores."""
        scored = self.score(part, cands, language)
        if not len(scored.scores) or scored.answerable < self.threshold:
            return [], scored
        return self._pick(part, cands, scored), scored

    def _pick(self, part: QuestionPart, cands: list[Candidate], scored: SentenceScores) -> list[Pick]:
        return pick(part, cands, scored.scores, self.settings, self.idf, self._vectors_of)

    def _vectors_of(self, cands: list[Candidate]) -> np.ndarray | None:
        """The candidates' vectors (`_candidate_vectors`); None without an embedder."""
        embedder = self._embedder()
        return None if embedder is None else self._candidate_vectors(embedder, cands)

    def select(self, analysis: QuestionAnalysis, passages: Sequence[Hit]) -> list[Selected]:
        """The chosen sentences, best first; empty means the passages do not answer."""
        return self.read(analysis, passages).selected

    def confidence(self, analysis: QuestionAnalysis, passages: Sequence[Hit]) -> float:
        """How sure the reader is that `passages` answer the question (`Reading.confidence`),
        without choosing sentences: the confidence of an LLM backend's answer."""
        cands = candidates(passages)
        return self._confidence([self.score(part, cands, analysis.language) for part in analysis.parts])

    def _confidence(self, parts: list[SentenceScores]) -> float:
        """P(the answer is right) when any part is answered (of its weakest answered part: a
        compound answer is right only when each part is), else the largest answerability
        (1 - it: the chance that the refusal is right)."""
        answered = [s.right for s in parts if len(s.scores) and s.answerable >= self.threshold]
        return min(answered) if answered else max((s.answerable for s in parts), default=0.0)

    def read(self, analysis: QuestionAnalysis, passages: Sequence[Hit]) -> Reading:
        """The chosen sentences, best first (empty: the passages do not answer), and the
        reader's confidence.

        A compound question is answered part by part: each sub-question's best sentence is
        kept, because a sentence that answers one part well would otherwise crowd out the
        other part's (often from another article). A part the passages do not answer is
        named in `unanswered` while the others are answered."""
        cands = candidates(passages)
        reads = [self._select_for(part, cands, analysis.language) for part in analysis.parts]
        picks = [p for p, _ in reads]
        confidence = self._confidence([s for _, s in reads])
        if analysis.compound:  # one sentence per part (or its earlier and current state)
            picks = [p if any(state for _, _, state in p) else p[:1] for p in picks]
        unanswered = tuple(part.text for part, p in zip(analysis.parts, picks) if not p) if any(picks) else ()
        chosen: dict[int, tuple[float, str | None]] = {}
        for i, score, state in (pick for part in picks for pick in part):
            chosen.setdefault(i, (score, state))
        if len(chosen) > self.settings.max_sentences:
            chosen = dict(sorted(chosen.items(), key=lambda kv: -kv[1][0])[: self.settings.max_sentences])
        out, said = [], set()
        for i, (score, state) in chosen.items():
            c = cands[i]
            if c.text in said:  # already said as the antecedent of a sentence pointing back
                continue
            text = c.text if c.previous in said else " ".join(c.with_antecedent())
            said.add(c.text)
            if text != c.text:
                said.add(c.previous)
            out.append(Selected(c.number, text, score, state, c.date, c.date_source))
        return Reading(out, confidence, unanswered)

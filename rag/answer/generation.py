"""Run an answer backend on one request, with the extractive reader around it: before it as
the gate (small models), after it as the fallback when the backend gives nothing usable.

Every fallback is said in a notice and the answer is labelled "extractive", so a user always
sees which reader's words they are reading.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator

from rag.answer.citations import MARKER_GROUP, SupportScorer, ground_answer, verified_answer
from rag.answer.prompting import is_refusal_text, refusal, states_nothing
from rag.answer.reader.extractive import ExtractiveReader
from rag.answer.reader.wording import answer_text, unanswered_note
from rag.core.errors import BackendError
from rag.core.workers import Waiting
from rag.core.types import Answer
from rag.text.lexicon import OPEN_QUESTION
from rag.text.terms import tokenize

StreamEvent = tuple[str, Any]


def answer_events(question: str, standalone: str, request: Any, backend: Any, reader: ExtractiveReader, *,
                  gated: bool, scorer: SupportScorer, notices: list[str], embedder_id: str) -> Iterator[StreamEvent]:
    """Yield ("token", text) as the backend generates, then ("answer", verified Answer);
    ("status", stage) says what happens next: "reading" (the passages), "writing" (the
    backend generates), "checking" (citations are verified); a backend that queues its
    requests yields ("queue", position) while this one waits.

    `request` is a GenerationRequest ([1] is request.passages[0]). With `gated`, the reader
    decides answerability first; an answer it found is then never lost to the model's
    wording: a reply whose claims all fail verification is replaced by the reader's answer."""
    analysis, hits, language = request.analysis, request.passages, request.language
    yield ("status", "reading")
    # The answer's confidence is the reader's answerability for every backend: the gate's
    # own reading, or a reading of the same passages (an LLM's answer rests on them too).
    reading = reader.read(analysis, hits) if gated or backend.name == "extractive" else None
    chosen = reading.selected if reading and gated else None
    confidence = reading.confidence if reading else reader.confidence(analysis, hits)
    used = backend.name
    pieces: list[str] = []
    fallback = ""  # why the extractive answer is shown instead of the backend's
    if gated and not chosen:
        pieces = [refusal(language)]
        yield ("token", pieces[0])
    else:
        yield ("status", "writing")
        try:
            # The backend may answer from the reading just made (the extractive one does).
            for piece in backend.stream(replace(request, reading=reading)):
                if isinstance(piece, Waiting):  # the local model's queue: the user's place in it
                    yield ("queue", piece.position)
                    continue
                pieces.append(piece)
                yield ("token", piece)
        except BackendError as exc:
            fallback = f"The {backend.name} backend failed ({exc})"
        raw = "".join(pieces).strip()
        if not fallback and states_nothing(raw):
            # Qwen 1.5B replied "[1]" alone to 3 of 9 English news dev questions.
            fallback = f"The {backend.name} backend cited a passage but stated no answer"
        elif not fallback and gated and raw and not is_refusal_text(raw):
            grounded = ground_answer(raw, hits, scorer)
            if not grounded.citations:
                notices = notices + list(grounded.notices)
                fallback = f"No claim of the {backend.name} backend could be verified against the passages"
            elif _restates(standalone, grounded.text):
                fallback = f"The {backend.name} answer only restates the question"
            elif missed := _missed_states(chosen, hits, grounded.citations):
                fallback = f"The {backend.name} answer does not cite {missed}, where the sources report a change"
    if fallback:
        # Never leave the user empty-handed: say what failed, answer extractively.
        notices = notices + [f"{fallback}; showing the extractive answer instead."]
        chosen = chosen if gated else reader.select(analysis, hits)
        pieces = [answer_text(chosen, language) if chosen else refusal(language)]
        used = "extractive"
        yield ("token", pieces[0])
    if (used == "extractive" or gated) and not reader.fitted_for_embedder:
        notices = notices + [f"The extractive reader was not fitted with the embedder {embedder_id!r}, so its "
                             "refusals are less reliable; fit it with: rag train-reader (see evals/README.md)."]
    yield ("status", "checking")
    answer: Answer = verified_answer(question, standalone, "".join(pieces).strip(), hits, language, used,
                                     notices, scorer)
    if used == "extractive" and not answer.refused and reading is not None and reading.unanswered:
        # Each part of a compound question is answered or refused on its own; the refused
        # ones are named after the verified sentences (the note cites nothing).
        answer = replace(answer, text=f"{answer.text} {unanswered_note(reading.unanswered, language)}")
    yield ("answer", replace(answer, confidence=confidence))


def _missed_states(chosen, hits, citations) -> str:
    """For a question about now whose newest source reports a change, the reader chose the
    earlier and the current state (`Selected.state`); an answer must cite both, or it hides
    the change or answers from the outdated source. Returns the uncited states ("the state
    of 2025-01 (003.txt)", by source: the passage numbers are renumbered), or "" when all are
    cited."""
    cited = {c.chunk.chunk_id for c in citations}
    missed = [f"the state of {c.date} ({hits[c.number - 1].chunk.source})" for c in chosen
              if c.state and hits[c.number - 1].chunk.chunk_id not in cited]
    return " and ".join(missed)


def _restates(question: str, answer: str) -> bool:
    """Does the answer to a question that asks for something use only the question's
    content words? Such a reply answers nothing ("Die Stargate-Milliarden sollen in
    KI-Rechenzentren fließen [1]" to "Innerhalb welches Zeitraums sollen die
    Stargate-Milliarden in KI-Rechenzentren fließen?")."""
    if not OPEN_QUESTION.match(question):
        return False  # "Ist X noch Y?" is answered by "X ist Y", its own words
    words = set(tokenize(MARKER_GROUP.sub(" ", answer)))
    return bool(words) and words <= set(tokenize(question))

"""`Assistant`: the one API the CLI, the UI and the evals use.

    assistant = Assistant.from_settings(load_settings())
    answer = assistant.ask("Welchen Anteil an OpenAI soll Microsoft erhalten haben?")
    answer = assistant.ask("Wie viel hat er investiert?", history=[(question, answer_text)])
    answer = assistant.ask("...", sources=["003_7f6e26588299af66.txt"])   # only these documents

Conversations (saved in `settings.paths.data_dir`, see rag/conversations.py):

    cid, answer = assistant.chat("Wer ist der größte Kapitalgeber von OpenAI?", owner="local")
    cid, answer = assistant.chat("Wie viel hat er insgesamt investiert?", cid, owner="local")
    assistant.conversations.list("local"); assistant.conversations.get(cid, "local")
    for kind, value in assistant.chat_stream(question, cid, owner="local"): ...
        # ("token", str)..., ("answer", Answer), then ("conversation", cid) once it is saved

A follow-up is made standalone before retrieval (rag/answer/condense.py: rules, no LLM, for
every backend); `Answer.standalone_question` says what was searched when it differs.

The document library: `documents()` (each document's title, date and date_source, format,
chunks and state), `document(source)` (its whole cleaned text and chunks, for a preview),
`delete_document(source)`.

Models and the index load on first use (rag/components.py). The live index version is
re-checked on every question, so a rebuild (CLI, UI or API) is picked up without a restart,
and answers keep coming from the old version until the new one is swapped in.

One Assistant serves many questions at once (the UI's queue, the HTTP API's threads). Only
loading shared parts and swapping in a new index version take the lock. A question keeps the
`SearchView` it started with (versions are immutable). The shared parts are thread-safe: FAISS
is only searched, and the embedder gave identical vectors (max difference < 1e-4) with 8
threads encoding questions while a ninth embedded document batches.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from rag.answer.analysis import analyze_question
from rag.answer.condense import HistoryItem, prior_turns, resolve_follow_up
from rag.answer.evidence import evidence_passages
from rag.answer.generation import answer_events
from rag.answer.prompting import build_messages
from rag.answer.reader.extractive import ExtractiveReader
from rag.backends import GenerationRequest, backend_rows, prompt_policy
from rag.core.config import Settings, load_settings
from rag.core.errors import InputError
from rag.chat import ChatMixin
from rag.components import ComponentsMixin
from rag.library import LibraryMixin
from rag.conversations import FILE_NAME, ConversationStore
from rag.core.types import Answer, Hit, QuestionAnalysis
from rag.core.workers import Pools
from rag.index.filters import SearchFilter, date_filter, only_sources
from rag.index.stores import SearchView, VectorStore
from rag.retrieval.retriever import Retriever

# ("status", stage) before each step ("reading", "writing", "checking"; the first comes after
# retrieval, so a bad input or a missing index raises before any event), ("token", str) while
# generating, ("queue", place) while a queued backend (the local LLM) serves others first,
# then exactly one ("answer", Answer). Consumers skip the kinds they do not show.
StreamEvent = tuple[str, Any]


class Assistant(ComponentsMixin, ChatMixin, LibraryMixin):
    def __init__(self, settings: Settings, backend_extra: dict[str, Any] | None = None):
        self.settings = settings
        self._backend_extra = backend_extra or {}
        self._lock = threading.RLock()
        self._embedder = None
        self._index_embedder = None
        self._store: VectorStore | None = None
        self._index: SearchView | None = None
        self._backends: dict[str, Any] = {}
        # Where the edges (UI, API) run questions: rag/core/workers.py.
        self.pools = Pools(settings.answer.workers, settings.answer.llm_workers)
        self._entail = None  # the optional entailment check of claim verification
        # The one extractive reader: the default backend's answers, the LLM gate, evidence
        # selection and the fallback all read with it (and share its sentence vectors).
        self._judge = None
        self.reader = ExtractiveReader(settings.reader, idf=self._idf, embedder=lambda: self.embedder,
                                       judge=lambda: self.judge)
        # Saved conversations; the file is created by the first one saved.
        self.conversations = ConversationStore(Path(settings.paths.data_dir) / FILE_NAME)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> "Assistant":
        return cls(settings or load_settings(**overrides))

    def for_corpus(self, seeds_dir: Path, index_dir: Path, index_embedder=None) -> "Assistant":
        """An Assistant over another documents folder and index, with these settings
        otherwise, this one's embedders (loading e5 costs seconds and ~300 MB; or
        `index_embedder` for its builds) and the sentence vectors its reader has made so
        far. The evals' near-miss rounds use one per round."""
        paths = self.settings.paths.model_copy(update={"seeds_dir": Path(seeds_dir), "index_dir": Path(index_dir)})
        other = Assistant(self.settings.model_copy(update={"paths": paths}), self._backend_extra)
        other._embedder, other._index_embedder = self.embedder, index_embedder or self.index_embedder
        other.reader.adopt_sentence_vectors(self.reader)
        return other

    # -- asking -----------------------------------------------------------------------------
    def _validate(self, question: str) -> tuple[str, list[str]]:
        question = (question or "").strip()
        if not question:
            raise InputError("Please enter a question. / Bitte geben Sie eine Frage ein.")
        limit = self.settings.answer.max_question_chars
        if len(question) > limit:
            return question[:limit], [
                f"The question was longer than {limit} characters and was truncated to the first {limit}."
            ]
        return question, []

    def ask(self, question: str, history: Sequence[HistoryItem] | None = None, *,
            k: int | None = None, mode: str | None = None, llm: str | None = None,
            passages: Sequence[Hit] | None = None, since: str | None = None,
            until: str | None = None, as_of: str | None = None, where: SearchFilter | None = None,
            sources: Sequence[str] | None = None) -> Answer:
        """Answer one question (with optional chat history) and verify its citations.

        `history`: earlier turns, oldest first: (question, answer text) pairs, or saved
        `Turn`s (whose answers' citations help resolve "er", "das Unternehmen"). A follow-up
        that depends on them is made standalone; one that stands alone is searched as asked.
        `since`/`until` (ISO dates, "2024" to "2024-06-30") keep only sources dated in that
        range, inside the search; `as_of` answers as the sources stood on that date (sources
        up to it, and questions about now read as questions about then). `sources` asks only
        these documents (ids as `documents()` lists them; empty or None: all), inside the
        search of either store; an unknown id is an InputError. `where` filters the search
        further (e.g. sources to leave out)."""
        answer = None
        for kind, value in self.stream(question, history, k=k, mode=mode, llm=llm, passages=passages,
                                       since=since, until=until, as_of=as_of, where=where, sources=sources):
            if kind == "answer":
                answer = value
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[HistoryItem] | None = None, *,
               k: int | None = None, mode: str | None = None,
               llm: str | None = None, passages: Sequence[Hit] | None = None,
               since: str | None = None, until: str | None = None,
               as_of: str | None = None, where: SearchFilter | None = None,
               sources: Sequence[str] | None = None) -> Iterator[StreamEvent]:
        """Yield ("status", stage) and ("token", text) pieces as they come, then ("answer",
        Answer); see `StreamEvent`.

        `passages` replaces retrieval: the answer may only use and cite these (the eval's
        oracle passages, see rag/evaluation/oracle.py). History, dates and sources as in `ask`."""
        started = time.perf_counter()
        question, notices = self._validate(question)
        where = self._where(where, date_filter(since, until, as_of), sources if passages is None else None)
        backend = self.backend(llm)
        standalone = resolve_follow_up(question, prior_turns(
            history, self._before_citation, self._before_sentence)).text if history else question
        t0 = time.perf_counter()
        analysis = self._analyse(standalone)
        language = analysis.language
        hits = tuple(self._retrieve(analysis, k, mode, where, sentences=True) if passages is None else passages)
        retrieve_ms = (time.perf_counter() - t0) * 1000

        n_evidence, gated = prompt_policy(backend, self.settings.llm)
        prompt_hits = hits
        if n_evidence:
            prompt_hits = evidence_passages(analysis, hits, self.reader, n_evidence)
        about_now = any(part.about_now for part in analysis.parts)
        request = GenerationRequest(analysis, hits, build_messages(
            standalone, prompt_hits, language, allow_refusal=not gated, about_now=about_now,
            today=as_of or datetime.date.today().isoformat()))
        scorer = self.support_scorer(standalone)
        t1 = time.perf_counter()
        for kind, value in answer_events(question, standalone, request, backend, self.reader, gated=gated,
                                         scorer=scorer, notices=notices, embedder_id=self.embedder.model_id):
            if kind == "answer":
                answer = value
            else:
                yield (kind, value)
        # Generation with its verification (and any extractive fallback).
        generate_ms = (time.perf_counter() - t1) * 1000
        total_ms = (time.perf_counter() - started) * 1000
        yield ("answer", replace(answer, timings_ms={
            "retrieve": retrieve_ms, "generate": generate_ms, "total": total_ms}))

    def _where(self, where: SearchFilter | None, dates: SearchFilter | None,
               sources: Sequence[str] | None) -> SearchFilter | None:
        """`where` narrowed by a date range and to `sources` (checked against the live index)."""
        if dates is not None:
            where = replace(where, since=dates.since, until=dates.until) if where is not None else dates
        return only_sources(where, sources, self.index().manifest.documents) if sources else where

    def search(self, question: str, *, k: int | None = None, mode: str | None = None) -> list[Hit]:
        """Retrieval only: the top-k passages for `question`, best first (the LangChain
        retriever, `rag mcp`'s search)."""
        question, _ = self._validate(question)
        return self._retrieve(self._analyse(question), k, mode)

    def _analyse(self, question: str) -> QuestionAnalysis:
        """The question analysed, each of its texts (the whole, each part) encoded once: every
        later step (retrieval, the reader) uses these vectors rather than encoding again."""
        analysis = analyze_question(question)
        vectors: dict[str, Any] = {}
        for text in dict.fromkeys([analysis.whole.text] + [p.text for p in analysis.parts]):
            vectors[text] = self.embedder.encode_queries([text])[0]
        return replace(analysis, whole=replace(analysis.whole, vector=vectors[analysis.whole.text]),
                       parts=tuple(replace(p, vector=vectors[p.text]) for p in analysis.parts))

    def _retrieve(self, analysis: QuestionAnalysis, k: int | None, mode: str | None,
                  where: SearchFilter | None = None, sentences: bool = False) -> list[Hit]:
        retriever = Retriever(self.index(), self.embedder, self.settings.retrieval)
        return retriever.search_question(analysis, k=k, mode=mode, where=where, sentences=sentences)

    def backends(self) -> list[dict[str, Any]]:
        """Registered answer backends with whether they are usable here and why not."""
        return backend_rows()

"""`Assistant`: the one API the CLI, the UI and the evals use.

    assistant = Assistant.from_settings(load_settings())
    answer = assistant.ask("Welchen Anteil an OpenAI soll Microsoft erhalten haben?")

Models and the index load on first use. The live index version is re-checked on every
question, so a rebuild (CLI or UI) is picked up without a restart, and answers keep coming
from the old version until the new one is swapped in.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any, Iterator, Sequence

from rag.answer.analysis import analyze_question
from rag.answer.citations import SupportScorer, ground_answer
from rag.answer.evidence import evidence_passages
from rag.answer.prompting import build_messages, is_refusal_text, refusal
from rag.answer.reader.extractive import ExtractiveReader, answer_text
from rag.backends import BackendContext, GenerationRequest, get_backend, list_backends
from rag.core.config import Settings, load_settings
from rag.core.errors import BackendError, InputError
from rag.core.types import Answer, Hit
from rag.index.stores import SearchView, VectorStore, open_store
from rag.ingest.update import IndexReport, Progress, update_index
from rag.retrieval.retriever import Retriever

# ("token", str) while generating, then exactly one ("answer", Answer).
StreamEvent = tuple[str, Any]


class Assistant:
    def __init__(self, settings: Settings, backend_extra: dict[str, Any] | None = None):
        self.settings = settings
        self._backend_extra = backend_extra or {}
        self._lock = threading.RLock()
        self._embedder = None
        self._index: SearchView | None = None
        self._backends: dict[str, Any] = {}
        # The one extractive reader: the default backend's answers, the LLM gate, evidence
        # selection and the fallback all read with it (and share its sentence vectors).
        self.reader = ExtractiveReader(settings.reader, idf=lambda t: self.index().idf(t),
                                       embedder=lambda: self.embedder)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> "Assistant":
        return cls(settings or load_settings(**overrides))

    # -- shared parts, loaded lazily -------------------------------------------------------
    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from rag.models.embedders import build_embedder

                self._embedder = build_embedder(self.settings.embedding, self.settings.paths.models_dir)
            return self._embedder

    def store(self) -> VectorStore:
        """The configured store (`store.backend`) of the index in `paths.index_dir`."""
        return open_store(self.settings.store, self.settings.paths.index_dir)

    def index(self) -> SearchView:
        """The live index version, reloaded when a rebuild has swapped in a new one."""
        store = self.store()
        with self._lock:
            name = store.current_version()
            if self._index is None or self._index.version != name:
                import faiss

                faiss.omp_set_num_threads(self.settings.retrieval.faiss_threads)
                index = store.load()
                index.check_embedder(self.embedder.model_id, int(self.embedder.dim))
                self._index = index
            return self._index

    def backend(self, name: str | None = None):
        name = name or self.settings.llm.backend
        with self._lock:
            if name not in self._backends:
                ctx = BackendContext(llm=self.settings.llm, models_dir=self.settings.paths.models_dir,
                                     reader=self.reader, extra=dict(self._backend_extra))
                self._backends[name] = get_backend(name, ctx)
            return self._backends[name]

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

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, *,
            k: int | None = None, mode: str | None = None, llm: str | None = None,
            passages: Sequence[Hit] | None = None) -> Answer:
        """Answer one question (with optional chat history) and verify its citations."""
        answer = None
        for kind, value in self.stream(question, history, k=k, mode=mode, llm=llm, passages=passages):
            if kind == "answer":
                answer = value
        assert answer is not None
        return answer

    def stream(self, question: str, history: list[tuple[str, str]] | None = None, *,
               k: int | None = None, mode: str | None = None,
               llm: str | None = None, passages: Sequence[Hit] | None = None) -> Iterator[StreamEvent]:
        """Yield ("token", text) pieces as they are generated, then ("answer", Answer).

        `passages` replaces retrieval: the answer may only use and cite these (the eval's
        oracle passages, see rag/evaluation/oracle.py)."""
        started = time.perf_counter()
        question, notices = self._validate(question)
        backend = self.backend(llm)
        standalone = question
        if history:
            try:
                standalone = backend.condense(question, list(history)) or question
            except BackendError as exc:
                notices.append(f"Could not rewrite the follow-up question: {exc}")
        analysis = analyze_question(standalone)
        language = analysis.language

        t0 = time.perf_counter()
        if passages is None:
            retriever = Retriever(self.index(), self.embedder, self.settings.retrieval)
            hits = tuple(retriever.search_question(analysis, k=k, mode=mode))
        else:
            hits = tuple(passages)
        retrieve_ms = (time.perf_counter() - t0) * 1000

        n_evidence, gated = self._prompt_policy(backend)
        prompt_hits = hits
        if n_evidence:
            prompt_hits = evidence_passages(analysis, hits, self.reader, n_evidence)
        request = GenerationRequest(analysis, hits, build_messages(
            standalone, prompt_hits, language, allow_refusal=not gated))
        t1 = time.perf_counter()
        used = backend.name
        pieces: list[str] = []
        if gated and not self.reader.select(analysis, hits):
            pieces = [refusal(language)]
            yield ("token", pieces[0])
        else:
            try:
                for piece in backend.stream(request):
                    pieces.append(piece)
                    yield ("token", piece)
            except BackendError as exc:
                # Never leave the user empty-handed: say what failed, answer extractively.
                notices.append(f"The {backend.name} backend failed ({exc}); showing the extractive answer instead.")
                chosen = self.reader.select(analysis, hits)
                pieces = [answer_text(chosen) if chosen else refusal(language)]
                used = "extractive"
                yield ("token", pieces[0])
        generate_ms = (time.perf_counter() - t1) * 1000

        raw = "".join(pieces).strip()
        answer = self._finish(question, standalone, raw, hits, language, used, notices)
        total_ms = (time.perf_counter() - started) * 1000
        yield ("answer", replace(answer, timings_ms={
            "retrieve": retrieve_ms, "generate": generate_ms, "total": total_ms}))

    def _prompt_policy(self, backend) -> tuple[int, bool]:
        """(evidence sentences, gated) for an LLM backend: the settings, or where they say
        None the backend's own `small_model_defaults`. With the gate, the extractive reader,
        calibrated to refuse, decides whether the passages answer at all; the LLM then only
        phrases the answer, with no refusal clause to hide behind."""
        if backend.name == "extractive":
            return 0, False
        own = getattr(backend, "small_model_defaults", {})
        llm = self.settings.llm
        n = own.get("evidence_sentences", 0) if llm.evidence_sentences is None else llm.evidence_sentences
        gated = own.get("extractive_gate", False) if llm.extractive_gate is None else llm.extractive_gate
        return n, gated

    def _finish(self, question, standalone, raw, hits, language, backend, notices) -> Answer:
        scorer = SupportScorer(embed=self.embedder.encode_queries, settings=self.settings.citations)
        refused = not raw or is_refusal_text(raw)
        citations: tuple = ()
        text = raw
        if not refused:
            grounded = ground_answer(raw, hits, scorer)
            notices = notices + list(grounded.notices)
            text, citations = grounded.text, grounded.citations
            if not citations:
                # An answer we cannot tie to any passage may come from model memory: refuse.
                notices.append("The answer could not be verified against the documents, so it is withheld.")
                refused = True
        if refused:
            text, citations = refusal(language), ()
        return Answer(
            question=question, text=text, refused=refused, citations=citations, hits=hits,
            backend=backend, standalone_question=standalone if standalone != question else None,
            notices=tuple(notices),
        )

    # -- index management ----------------------------------------------------------------
    def rebuild(self, force: bool = False, progress: Progress | None = None,
                runner: str = "local") -> IndexReport:
        """Incremental (or forced full) rebuild from the seeds directory. `runner` reads,
        chunks and embeds: "local" in this process, "ray" on Ray (`settings.ray`)."""
        from rag.ingest.runners import build_runner

        p = self.settings.paths
        prepare = build_runner(runner, self.settings, self.embedder)
        return update_index(p.seeds_dir, p.index_dir, self.settings.chunking, self.embedder,
                            self.settings.embedding.backend, force=force, progress=progress,
                            store=self.store(), prepare=prepare)

    def status(self) -> dict[str, Any]:
        return self.index().status()

    def backends(self) -> list[dict[str, Any]]:
        """Registered answer backends with whether they are usable here and why not."""
        rows = []
        for info in list_backends():
            missing = info.missing()
            rows.append({
                "name": info.name, "description": info.description, "usable": not missing,
                "reason": f"needs {', '.join(missing)}: {info.install}" if missing else "",
            })
        return rows

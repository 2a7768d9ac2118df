"""The Assistant's shared parts, loaded lazily and once: the question and index embedders,
the judge, the store and its live index version, the answer backends, the pools questions
run in and the claim verifier. A mixin of `rag.assistant.Assistant`, which sets `settings`,
`reader`, `pools`, `_lock`, `_backend_extra` and the empty slots in its constructor.

Only loading a part and swapping in a new index version take the lock; a part once loaded
is read without it (see rag/assistant.py on serving many questions at once).
"""

from __future__ import annotations

from rag.answer.citations import SupportScorer
from rag.backends import BackendContext, get_backend
from rag.core.errors import IndexCorruptError
from rag.core.workers import WorkPool
from rag.index.stores import SearchView, VectorStore, open_store


class ComponentsMixin:
    @property
    def embedder(self):
        """Embeds questions and the reader's sentences, always at fp32 (EmbeddingSettings.precision)."""
        if self._embedder is not None:  # read on every question: no lock once loaded
            return self._embedder
        with self._lock:
            if self._embedder is None:
                from rag.models.embedders import QueryCache, build_embedder

                questions = self.settings.embedding.model_copy(update={"precision": "fp32"})
                self._embedder = QueryCache(build_embedder(questions, self.settings.paths.models_dir),
                                            self.settings.embedding.query_cache_size)
            return self._embedder

    @property
    def judge(self):
        """The answerability judge of `reader.judge` ("local": the local GGUF model, loaded
        once and shared with the `local` backend), or None."""
        if self.settings.reader.judge == "none":
            return None
        if self._judge is None:
            with self._lock:
                if self._judge is None:
                    from rag.backends.judge import local_judge

                    self._judge = local_judge(self.settings.llm, self.settings.paths.models_dir)
        return self._judge

    @property
    def index_embedder(self):
        """Embeds the chunks an index build writes, at `settings.embedding.precision`: the
        question embedder itself when that gives the same model id (fp32, or a backend with
        one precision)."""
        with self._lock:
            if self._index_embedder is None:
                from rag.models.embedders import build_embedder

                built = build_embedder(self.settings.embedding, self.settings.paths.models_dir)
                self._index_embedder = self.embedder if built.model_id == self.embedder.model_id else built
            return self._index_embedder

    def store(self) -> VectorStore:
        """The configured store (`store.backend`) of the index in `paths.index_dir`."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(self.settings.store, self.settings.paths.index_dir,
                                             self.settings.index)
        return self._store

    def index(self) -> SearchView:
        """The live index version, reloaded when a rebuild has swapped in a new one.

        The check is one small file read and takes no lock; only loading a new version does,
        so questions keep being answered from the old one meanwhile."""
        store = self.store()
        current = self._index
        if current is not None and current.version == store.current_version():
            return current
        with self._lock:
            for attempt in range(3):
                name = store.current_version()
                if self._index is not None and self._index.version == name:
                    return self._index
                try:
                    index = self._load_index(store)
                except IndexCorruptError:
                    # Two quick rebuilds may have published past the version we started to
                    # read and removed it (two versions are kept); read the newest instead.
                    if attempt < 2 and store.current_version() != name:
                        continue
                    raise
                self._index = index
                return index
        raise AssertionError("unreachable")

    def _load_index(self, store: VectorStore) -> SearchView:
        import faiss

        faiss.omp_set_num_threads(self.settings.retrieval.faiss_threads)
        index = store.load()  # the local store loads with `settings.index` (HNSW for large segments)
        index.check_embedder(self.embedder.model_id, int(self.embedder.dim))
        return index

    def _idf(self, token: str) -> float:
        # The reader weighs each question term several times per question: it reads the
        # version in memory instead of re-checking the pointer file for every term. A question
        # that straddles a swap may weigh its terms with the newer version's document
        # frequencies: a corpus statistic, never a row of the version it retrieved from.
        index = self._index or self.index()
        return index.idf(token)

    def backend(self, name: str | None = None):
        name = name or self.settings.llm.backend
        loaded = self._backends.get(name)
        if loaded is not None:
            return loaded
        with self._lock:
            if name not in self._backends:
                ctx = BackendContext(llm=self.settings.llm, models_dir=self.settings.paths.models_dir,
                                     reader=self.reader, extra=dict(self._backend_extra))
                self._backends[name] = get_backend(name, ctx)
            return self._backends[name]

    def pool_for(self, llm: str | None = None) -> WorkPool:
        """The pool a question for backend `llm` runs in when served: answers computed in
        this process (`backend.computes`: the extractive reader) share one worker per core;
        LLM answers, which mostly wait, have their own (`AnswerSettings`)."""
        return self.pools.get("compute" if getattr(self.backend(llm), "computes", False) else "wait")

    def support_scorer(self, premise: str = "") -> SupportScorer:
        """The claim verifier answers are checked with (`premise`: the question answered)."""
        if self.settings.citations.entailment and self._entail is None:
            with self._lock:
                if self._entail is None:
                    from rag.backends.entailment import make_entailment

                    self._entail = make_entailment(self.settings.citations.entailment, self.settings.llm,
                                                   self.settings.paths.models_dir)
        return SupportScorer(embed=self.embedder.encode_queries, settings=self.settings.citations,
                             premise=premise, entail=self._entail)

"""Index management and the document library as methods of the Assistant (a mixin of
`rag.assistant.Assistant`, which provides `settings`, `store`, `index`, `embedder` and
`index_embedder`): `rebuild`, `add_url`, `add_import`, `status`, `documents`, `document`,
`delete_document`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.core.errors import IndexMissingError
from rag.ingest.listing import DocumentState, list_documents, remove_document
from rag.ingest.preview import DocumentPreview, document_preview
from rag.ingest.update import IndexReport, Progress, update_index


class LibraryMixin:
    # -- index management ----------------------------------------------------------------
    def rebuild(self, force: bool = False, progress: Progress | None = None,
                runner: str = "local") -> IndexReport:
        """Incremental (or forced full) rebuild from the seeds directory. `runner` reads,
        chunks and embeds: "local" in this process, "ray" on Ray (`settings.ray`)."""
        from rag.ingest.runners import build_runner

        p = self.settings.paths
        # Chunks at the build precision; their sentences by the question embedder, so the
        # reader weighs exactly the vectors it would compute (rag/index/sentences.py).
        prepare = build_runner(runner, self.settings, self.index_embedder, self.embedder)
        return update_index(p.seeds_dir, p.index_dir, self.settings.chunking, self.index_embedder,
                            self.settings.embedding.backend, force=force, progress=progress,
                            limits=self.settings.ingest, index_settings=self.settings.index,
                            store=self.store(), prepare=prepare, sentence_embedder=self.embedder)

    def add_url(self, url: str):
        """Fetch a web page and store its article in the documents folder (`web/…md`);
        returns the `StoredPage`. Raises FetchError (an InputError) when it cannot."""
        from rag.ingest.web import add_url

        return add_url(url, self.settings.paths.seeds_dir, self.settings.ingest)

    def add_import(self, path: Path, fmt: str, text: str, *, title: str | None = None,
                   date: str | None = None, id: str | None = None, delimiter: str = ",",
                   quotechar: str = '"', header: bool = True) -> Path:
        """Register a CSV or JSON Lines file for import, one document per row, without copying
        it: writes `<documents>/<stem>.import.json`, which `rebuild` expands. Columns are
        header names or 1-based numbers. Raises InputError for a missing file or column."""
        from rag.ingest.imports import ImportSpec, write_spec

        columns = (None if column is None else str(column) for column in (title, date, id))
        spec = ImportSpec(str(Path(path).resolve()), fmt, str(text), *columns, delimiter, quotechar, header)
        return write_spec(self.settings.paths.seeds_dir, spec)

    def status(self) -> dict[str, Any]:
        return self.index().status()

    def _indexed(self):
        try:
            view = self.index()
        except IndexMissingError:  # before the first build every document is new
            return None, {}
        return view, view.manifest.documents

    def documents(self) -> list[DocumentState]:
        """Every document in the documents folder or the live index: title, date and its
        `date_source`, `format`, chunks, size, and `state`: what the next rebuild will do with
        it (`indexed`, `new`, `changed`, `deleted`), or `imported` (a CSV/JSONL row)."""
        return list_documents(self.settings.paths.seeds_dir, self._indexed()[1])

    def document(self, source: str) -> DocumentPreview:
        """Document `source` (an id from `documents()`) with its whole cleaned text and its
        chunks' offsets, for a preview (rag/ingest/preview.py). NotFoundError when unknown."""
        view, _ = self._indexed()
        return document_preview(source, self.settings.paths.seeds_dir, view, self.settings.chunking,
                                self.settings.ingest)

    def delete_document(self, source: str) -> str:
        """Remove document `source` from the documents folder (NotFoundError when it is not
        there); it leaves the index with the next rebuild."""
        return remove_document(self.settings.paths.seeds_dir, source)


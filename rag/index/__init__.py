"""Index: persisted chunks, vectors and term counts, and the searchable view of them.

`local/` is the default store: immutable segments in versioned directories, published
atomically, with BM25 over term counts merged at load.

May import: `rag.text`, `rag.core`.
"""

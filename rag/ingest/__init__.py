"""Ingest: which documents changed, how they are read and cleaned, how they are chunked, and
the incremental update that embeds only new content and hands it to the index store.

May import: `rag.index`, `rag.models`, `rag.text`, `rag.core`.
"""

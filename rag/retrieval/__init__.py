"""Retrieval: dense and BM25 search over the index, fused by pure functions chosen by name,
and compound questions searched part by part.

May import: `rag.index`, `rag.text`, `rag.core`.
"""

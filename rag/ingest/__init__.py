"""Ingest: which documents changed, how they are read and cleaned, how they are chunked, and
the incremental update that embeds only new content and hands it to the index store.

`formats/` turns one file's bytes into text and metadata (one module per format, a registry);
`documents.py` cleans that into a `Document`; `imports.py` expands CSV/JSONL import specs into
one document per row; `fetch.py` and `web.py` store a web page as a document (`rag add URL`);
`sources.py` decides what changed; `chunking.py` and `update.py` do the rest.

May import: `rag.index`, `rag.models`, `rag.text`, `rag.core`.
"""

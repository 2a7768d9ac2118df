"""The Milvus store: an index's rows in a Milvus collection (Lite file, server or cluster).

`client.py` connects, `schema.py` maps chunks to rows, `filters.py` turns search filters
into Milvus expressions, `store.py` publishes updates as upserts and deletes, `view.py`
searches. pymilvus is imported inside functions only.
"""

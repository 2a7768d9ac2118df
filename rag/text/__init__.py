"""Text: sentence spans with offsets, question language, search terms, and every word list
(`lexicon`), so that facts of German and English live in one place.

May import: `rag.core`.
"""

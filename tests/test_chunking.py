"""Chunks carry exact offsets, respect the size limit and end on sentence boundaries."""

from __future__ import annotations

import pytest

from rag.ingest.chunking import chunk_document
from rag.core.config import ChunkingSettings
from rag.ingest.documents import load_documents
from rag.text.sentences import sentence_spans, split_sentences
from tests.conftest import SEEDS


@pytest.mark.parametrize("size,overlap", [(700, 100), (300, 50), (1500, 200)])
def test_offsets_are_exact_and_sizes_bounded(size, overlap):
    settings = ChunkingSettings(chunk_size=size, chunk_overlap=overlap)
    for doc in load_documents(SEEDS).documents:
        chunks = chunk_document(doc, settings)
        assert chunks, doc.source
        for chunk in chunks:
            assert doc.text[chunk.start:chunk.end] == chunk.text
            assert len(chunk.text) <= size
            assert chunk.doc_id == doc.doc_id and chunk.title == doc.title and chunk.date == doc.date
        # Everything is covered: no text falls between chunks.
        covered = set()
        for chunk in chunks:
            covered.update(range(chunk.start, chunk.end))
        assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())


def test_chunks_never_start_or_end_mid_word():
    for doc in load_documents(SEEDS).documents:
        for chunk in chunk_document(doc, ChunkingSettings(chunk_size=300, chunk_overlap=60)):
            before = doc.text[chunk.start - 1] if chunk.start else " "
            after = doc.text[chunk.end] if chunk.end < len(doc.text) else " "
            assert not (before.isalnum() and chunk.text[0].isalnum()), chunk.text[:30]
            assert not (after.isalnum() and chunk.text[-1].isalnum()), chunk.text[-30:]


def test_overlap_repeats_whole_sentences():
    doc = load_documents(SEEDS).documents[2]
    chunks = chunk_document(doc, ChunkingSettings(chunk_size=400, chunk_overlap=200))
    overlapping = [(a, b) for a, b in zip(chunks, chunks[1:]) if b.start < a.end]
    assert overlapping, "expected some overlap with a generous overlap budget"
    starts = {s for s, _ in sentence_spans(doc.text)}
    for _, b in overlapping:
        assert b.start in starts


def test_sentence_splitter_handles_glued_sentences_and_abbreviations():
    text = 'Sie betreiben."Dazu will er mehr. Am 17. Oktober sagte er z.B. nichts. Es kam 2019.Danach nicht'
    assert split_sentences(text) == [
        'Sie betreiben."', "Dazu will er mehr.", "Am 17. Oktober sagte er z.B. nichts.",
        "Es kam 2019.", "Danach nicht",
    ]


def test_the_chunker_id_follows_its_rules():
    """Editing a rule the chunks depend on (cleaning, sentence ends, anaphoric openers) must
    change the id recorded in the index, so the next `rag index` rebuilds instead of mixing
    two chunkings."""
    import hashlib

    from rag.ingest.chunking import CHUNKER_VERSION, chunker_id
    from rag.ingest.documents import CLEANING_RULES
    from rag.text.lexicon import REFERS_BACK, SENTENCE_OPENERS
    from rag.text.sentences import SPLITTING_RULES

    assert REFERS_BACK.pattern in SPLITTING_RULES and " ".join(sorted(SENTENCE_OPENERS)) in SPLITTING_RULES
    assert any(rule.startswith("spacy ") for rule in SPLITTING_RULES)  # its tokenizer exceptions too
    fingerprint = hashlib.sha256("\0".join((*CLEANING_RULES, *SPLITTING_RULES)).encode()).hexdigest()[:8]
    assert chunker_id() == f"{CHUNKER_VERSION}+{fingerprint}"

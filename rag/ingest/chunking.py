"""Sentence-aware chunks with exact offsets: `doc.text[chunk.start:chunk.end] == chunk.text`.

Chunks are packed from whole sentences (see `rag.text.sentences`), so none starts or ends
mid-sentence, and the overlap is whole trailing sentences of the previous chunk (always the
last one when the chunk's first sentence points back to it). A sentence
longer than a chunk is cut at word boundaries by LangChain's RecursiveCharacterTextSplitter.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from functools import lru_cache

from rag.core.config import ChunkingSettings
from rag.core.types import Chunk, Document
from rag.ingest.documents import CLEANING_RULES
from rag.text.sentences import SPLITTING_RULES, refers_back, sentence_spans

# Bump when the packing below changes. The id recorded in an index also carries a
# fingerprint of the rules it depends on (cleaning, sentence ends, abbreviations, anaphoric
# openers), so editing any of them, for whatever reason, rebuilds the index: unchanged files
# are never re-parsed, and two chunkings must never mix in one index.
# v2: a chunk that opens by pointing back carries its antecedent; v3: no chunk spans two pages.
CHUNKER_VERSION = "sentences-v3"


@lru_cache(maxsize=1)
def chunker_id() -> str:
    """The chunker's version and a fingerprint of the text rules its output depends on."""
    rules = "\0".join((*CLEANING_RULES, *SPLITTING_RULES))
    return f"{CHUNKER_VERSION}+{hashlib.sha256(rules.encode()).hexdigest()[:8]}"


def _split_long(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size, chunk_overlap=0, separators=[", ", " ", ""], keep_separator="end",
        add_start_index=True, strip_whitespace=True,
    )
    pieces = []
    for piece in splitter.create_documents([text[start:end]]):
        s = start + piece.metadata["start_index"]
        pieces.append((s, s + len(piece.page_content)))
    return pieces


def _units(text: str, size: int) -> list[tuple[int, int]]:
    units: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        units.extend(_split_long(text, s, e, size) if e - s > size else [(s, e)])
    return units


def chunk_document(doc: Document, settings: ChunkingSettings) -> list[Chunk]:
    """Pack sentences into chunks of at most `chunk_size` characters (one over-long
    sentence is cut), starting a new chunk at a paragraph break once half full. In a paged
    document (PDF) every page starts a new chunk and none carries overlap across it, so a
    chunk's page is the page of every passage cited from it."""
    text, size, overlap = doc.text, settings.chunk_size, settings.chunk_overlap
    units = _units(text, size)
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for unit in units:
        if current and doc.pages and bisect_right(doc.pages, unit[0]) != bisect_right(doc.pages, current[0][0]):
            groups.append(current)
            current = []
        if current:
            span = unit[1] - current[0][0]
            paragraph_break = "\n\n" in text[current[-1][1]:unit[0]]
            filled = current[-1][1] - current[0][0]
            if span > size or (paragraph_break and filled >= size // 2):
                groups.append(current)
                carry: list[tuple[int, int]] = []
                # A chunk opening with "Dieses Team ..." or "Zu dieser Zeit ..." is useless
                # without the sentence it points back to: carry that one whatever its length.
                must_carry_one = refers_back(text[unit[0]:unit[1]])
                for prev in reversed(current):
                    too_long = prev[1] - prev[0] > overlap and not (must_carry_one and not carry)
                    if unit[1] - prev[0] > size or (carry and carry[0][1] - prev[0] > overlap) or too_long:
                        break
                    carry.insert(0, prev)
                current = carry
        current.append(unit)
    if current:
        groups.append(current)
    chunks = []
    for ordinal, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}:{ordinal}",
                doc_id=doc.doc_id,
                source=doc.source,
                title=doc.title,
                date=doc.date,
                text=text[start:end],
                start=start,
                end=end,
                date_source=doc.date_source,
                page=bisect_right(doc.pages, start) if doc.pages else None,
                url=doc.url,
            )
        )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What the dense side embeds: the title gives context to chunks that lack it."""
    if chunk.start == 0 or not chunk.title:
        return chunk.text
    return f"{chunk.title}\n{chunk.text}"

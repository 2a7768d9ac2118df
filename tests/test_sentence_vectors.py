"""Sentence vectors made once at index time (rag/index/sentences.py): they are the very
vectors the reader computed per question, they stay in step through every kind of update,
they are checked like chunk vectors, and a question then encodes only itself."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from rag.answer.reader.candidates import candidates
from rag.assistant import Assistant
from rag.core.errors import IndexCorruptError
from rag.index.local.view import forget_verified, load_index
from rag.index.sentences import FILES as SENTENCE_FILES
from rag.text.sentences import sentence_spans

QUESTIONS = [
    "Welchen Anteil an OpenAI soll Microsoft erhalten haben?",
    "Ist Microsoft heute noch exklusiver Cloud-Anbieter von OpenAI?",
    "Wie viel hat Microsoft 2019 in OpenAI investiert, und wer leitet Microsoft AI?",
    "How much did Microsoft invest in OpenAI?",
]


def _assert_in_step(assistant: Assistant) -> int:
    """Every live row's stored sentences are its chunk's sentences, with the vectors the
    question embedder gives them now; returns the number of rows checked."""
    index = load_index(assistant.settings.paths.index_dir)
    stored = index.sentence_vectors(range(index.size))
    for chunk, sentences in zip(index.chunks, stored):
        spans = sentence_spans(chunk.text)
        assert sentences is not None and sentences.model_id == assistant.embedder.model_id
        assert sentences.spans.tolist() == [list(s) for s in spans], chunk.chunk_id
        expected = assistant.embedder.encode_documents([chunk.text[s:e] for s, e in spans])
        assert np.array_equal(sentences.vectors, expected), chunk.chunk_id
    return index.size


def test_stored_sentences_are_the_readers_own_vectors(hashing_assistant):
    assert _assert_in_step(hashing_assistant) > 0
    status = hashing_assistant.status()
    assert status["sentence_vectors"] == hashing_assistant.embedder.model_id


def test_a_question_encodes_itself_once_and_no_sentence(hashing_settings, hashing_assistant):
    # No query cache: every encode the request asks for reaches the embedder and is counted.
    uncached = hashing_settings.model_copy(update={
        "embedding": hashing_settings.embedding.model_copy(update={"query_cache_size": 0})})
    for question in QUESTIONS:
        fresh = Assistant.from_settings(uncached)  # its own embedder and counters
        answer = fresh.ask(question)
        inner = fresh.embedder._embedder
        assert inner.documents_encoded == 0, question  # no candidate sentence encoded
        texts = {question} | {p.text for p in fresh._analyse(question).parts}
        assert sorted(inner.queries[:len(texts)]) == sorted(texts), question
        assert all(inner.queries.count(t) == 2 for t in texts)  # the ask's, and the line above's
        assert answer.hits and all(h.sentences is not None for h in answer.hits)


def test_stored_vectors_give_the_same_features_and_answers(hashing_assistant):
    """The reader's cosines (its only use of the vectors) are identical with stored vectors
    and with the sentences encoded at query time, so every choice is."""
    reader = hashing_assistant.reader
    for question in QUESTIONS:
        analysis = hashing_assistant._analyse(question)
        hits = hashing_assistant._retrieve(analysis, None, None, sentences=True)
        bare = [replace(h, sentences=None) for h in hits]
        stored, encoded = candidates(hits), candidates(bare)
        assert all(c.vector is not None for c in stored) and all(c.vector is None for c in encoded)
        for part in analysis.parts:
            a = reader.features_for(part, stored, analysis.language)
            b = reader.features_for(part, encoded, analysis.language)
            assert np.array_equal(a, b), question
        assert reader.select(analysis, hits) == reader.select(analysis, bare)


def test_updates_renames_and_merges_keep_them_in_step(hashing_settings, hashing_assistant):
    seeds = hashing_settings.paths.seeds_dir
    steps = []
    for i in range(6):  # similar-sized one-document segments merge (segments.MERGE_RATIO)
        (seeds / f"neu{i}.md").write_text(f"Ein Artikel Nummer {i} über Brücken in Basel. Die Brücke {i} "
                                          f"wurde 20{10 + i} eröffnet. Sie ist {100 + i} Meter lang.",
                                          encoding="utf-8")
        steps.append(Assistant.from_settings(hashing_settings).rebuild())
    with open(seeds / "003_7f6e26588299af66.txt", "a", encoding="utf-8") as fh:
        fh.write("\nEin weiterer Satz über Katzen am Ende.")
    steps.append(Assistant.from_settings(hashing_settings).rebuild())
    (seeds / "001_06e8ede0839f87ad.txt").rename(seeds / "001_renamed.txt")
    renamed = Assistant.from_settings(hashing_settings)
    steps.append(renamed.rebuild())
    assert steps[-1].embedded_chunks == 0 and renamed.embedder.documents_encoded == 0  # reused
    (seeds / "004_878f3f8685ed7ceb.txt").unlink()
    steps.append(Assistant.from_settings(hashing_settings).rebuild())
    manifest = load_index(hashing_settings.paths.index_dir).manifest
    written = 1 + sum(1 for step in steps if step.embedded_chunks)
    assert len(manifest.segments) < written  # similar-sized segments were merged
    forget_verified()  # read back from disk, as a fresh process would
    assert _assert_in_step(Assistant.from_settings(hashing_settings)) == manifest.n_chunks


def test_their_files_are_checksummed(hashing_assistant, hashing_settings):
    index = load_index(hashing_settings.paths.index_dir)
    version = hashing_settings.paths.index_dir / "versions" / index.version
    for name in SENTENCE_FILES:
        assert f"segments/seg-000001/{name}" in index.manifest.files
    target = version / "segments" / "seg-000001" / "sent_vectors.npy"
    data = bytearray(target.read_bytes())
    data[-3] ^= 0xFF
    target.write_bytes(bytes(data))
    forget_verified()
    with pytest.raises(IndexCorruptError, match="sent_vectors.npy.*rag index --rebuild"):
        load_index(hashing_settings.paths.index_dir)


def _strip_sentences(index_dir) -> None:
    """Make the live version look like one built before sentence vectors were stored."""
    version = index_dir / "versions" / (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((version / "manifest.json").read_text())
    manifest.pop("sentences")
    manifest["files"] = {rel: f for rel, f in manifest["files"].items() if rel.rsplit("/", 1)[-1] not in SENTENCE_FILES}
    (version / "manifest.json").write_text(json.dumps(manifest))
    for path in version.rglob("sent_*.npy"):
        path.unlink()
    forget_verified()


def test_an_older_index_answers_the_same_and_the_next_build_adds_them(hashing_assistant, hashing_settings, tmp_path):
    new = {q: hashing_assistant.ask(q).to_json() for q in QUESTIONS}
    older = tmp_path / "older"
    shutil.copytree(hashing_settings.paths.index_dir, older)
    _strip_sentences(older)
    settings = hashing_settings.model_copy(update={"paths": hashing_settings.paths.model_copy(update={"index_dir": older})})
    old = Assistant.from_settings(settings)
    assert old.status()["sentence_vectors"] is None
    for question in QUESTIONS:  # the reader encodes the sentences itself, as it used to
        answer = old.ask(question)
        assert all(h.sentences is None for h in answer.hits)
        got, want = answer.to_json(), new[question]
        assert (got["answer"], got["refused"], got["citations"]) == (want["answer"], want["refused"], want["citations"])
    assert old.embedder.documents_encoded > 0
    report = Assistant.from_settings(settings).rebuild()
    assert report.full_rebuild and "no sentence vectors" in report.reason
    assert Assistant.from_settings(settings).status()["sentence_vectors"] == hashing_assistant.embedder.model_id


@pytest.mark.slow
def test_e5_sentence_vectors_equal_query_time_ones_bit_for_bit(real_assistant):
    """With e5 (int8 chunk vectors, fp32 questions), the stored sentence vectors are those
    of the fp32 question embedder, exactly."""
    index = real_assistant.index()
    assert index.manifest.sentences.model_id == real_assistant.embedder.model_id != index.embedder_id
    assert _assert_in_step(real_assistant) == index.size


def test_the_extractive_backend_answers_from_the_reading_the_request_made(hashing_assistant):
    # answer_events reads the passages for the answer's confidence; the extractive backend
    # used to read them again for its sentences (twice the reader's work per question).
    reader = hashing_assistant.reader
    real_read = reader.read
    calls = []

    def counted(analysis, passages):
        calls.append(analysis.text)
        return real_read(analysis, passages)

    reader.read = counted  # the instance's own method, counted: every call still reads
    answered = 0
    for question in QUESTIONS:
        calls.clear()
        answer = hashing_assistant.ask(question)
        assert calls == [question], (question, calls)
        answered += not answer.refused
    assert answered  # the backend ran (a refusal never reaches it)

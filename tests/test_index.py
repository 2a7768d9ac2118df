"""Index persistence, incremental updates, integrity and crash safety."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from rag.assistant import Assistant
from rag.core.config import load_settings
from rag.core.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexMissingError
from rag.index.local.view import load_index
from rag.index.local.segments import SEGMENT_FILES
from rag.index.sentences import FILES as SENTENCE_FILES
from rag.text.sentences import sentence_spans
from rag.index.local.versions import VersionStore


def _n_chunks(meta) -> int:
    start, stop = meta.id_range
    return stop - start


def _encoded(index_dir, source: str | None = None) -> int:
    """Texts a build encodes for `source` (None: all): its chunks, and each distinct
    sentence of them."""
    chunks = [c for c in load_index(index_dir).chunks if source is None or c.source == source]
    return len(chunks) + len({c.text[s:e] for c in chunks for s, e in sentence_spans(c.text)})


def _fresh(settings) -> Assistant:
    # A new Assistant per step gives a new embedder, so its call counter starts at zero.
    return Assistant.from_settings(settings)


def test_round_trip_preserves_chunks_and_manifest(hashing_assistant, hashing_settings):
    index = load_index(hashing_settings.paths.index_dir)
    m = index.manifest
    assert m.format_version == 2 and m.embedder.model_id == "hashing-256"
    assert m.embedder.dim == 256 and m.chunking.chunk_size == 700
    assert set(m.documents) == {p.name for p in hashing_settings.paths.seeds_dir.iterdir() if not p.name.endswith(".meta.json")}
    assert all(len(meta.content_hash) == 64 for meta in m.documents.values())
    assert index.vectors.ntotal == len(index.chunks) == index.lexical.size > 0
    # A fresh build is one segment; the manifest checksums each of its files.
    assert [s.name for s in m.segments] == ["seg-000001"] and m.n_chunks == len(index.chunks)
    assert set(m.files) == {f"segments/seg-000001/{f}" for f in SEGMENT_FILES + SENTENCE_FILES}
    assert m.sentences is not None and m.sentences.model_id == "hashing-256"
    # Nothing pickled: every file is JSON, numpy (no object arrays) or FAISS.
    for rel in m.files:
        assert not rel.endswith((".pkl", ".pickle"))


def test_no_change_embeds_nothing(hashing_assistant, hashing_settings):
    again = _fresh(hashing_settings)
    report = again.rebuild()
    assert report.unchanged and not (report.added or report.changed or report.removed)
    assert again.embedder.documents_encoded == 0


def test_add_change_remove_rename_duplicate(hashing_assistant, hashing_settings):
    seeds = hashing_settings.paths.seeds_dir
    before = load_index(hashing_settings.paths.index_dir)
    per_doc = {src: _n_chunks(meta) for src, meta in before.manifest.documents.items()}

    (seeds / "new.md").write_text("Ein neues Dokument über Katzen und Hunde. Es hat zwei Sätze.")
    step = _fresh(hashing_settings)
    r = step.rebuild()
    assert r.added == ["new.md"] and r.embedded_chunks == 1 and r.embedded_sentences == 2
    assert step.embedder.documents_encoded == 1 + 2 == _encoded(hashing_settings.paths.index_dir, "new.md")

    with open(seeds / "003_7f6e26588299af66.txt", "a", encoding="utf-8") as fh:
        fh.write("\nEin weiterer Satz am Ende.")
    step = _fresh(hashing_settings)
    r = step.rebuild()
    assert r.changed == ["003_7f6e26588299af66.txt"]
    assert r.embedded_chunks == _n_chunks(load_index(hashing_settings.paths.index_dir)
                                          .manifest.documents["003_7f6e26588299af66.txt"])
    assert step.embedder.documents_encoded == _encoded(hashing_settings.paths.index_dir, "003_7f6e26588299af66.txt")

    (seeds / "004_878f3f8685ed7ceb.txt").unlink()
    step = _fresh(hashing_settings)
    r = step.rebuild()
    assert r.removed == ["004_878f3f8685ed7ceb.txt"] and step.embedder.documents_encoded == 0
    index = load_index(hashing_settings.paths.index_dir)
    assert not any(c.source.startswith("004") for c in index.chunks)
    assert index.vectors.ntotal == len(index.chunks)

    (seeds / "001_06e8ede0839f87ad.txt").rename(seeds / "001_renamed.txt")
    step = _fresh(hashing_settings)
    r = step.rebuild()
    assert r.added == ["001_renamed.txt"] and r.removed == ["001_06e8ede0839f87ad.txt"]
    assert step.embedder.documents_encoded == 0  # a rename reuses the vectors
    index = load_index(hashing_settings.paths.index_dir)
    assert _n_chunks(index.manifest.documents["001_renamed.txt"]) == per_doc["001_06e8ede0839f87ad.txt"]

    shutil.copy(seeds / "000_0d2b54194bb49e3b.txt", seeds / "zz_copy_of_000.txt")
    step = _fresh(hashing_settings)
    r = step.rebuild()
    assert r.duplicates == ["zz_copy_of_000.txt"] and step.embedder.documents_encoded == 0
    assert "zz_copy_of_000.txt" not in load_index(hashing_settings.paths.index_dir).manifest.documents

    # BM25 stays consistent with the vectors: the new document is findable lexically.
    hits = _fresh(hashing_settings).ask("Katzen und Hunde", mode="bm25").hits
    assert hits[0].chunk.source == "new.md"


def test_an_int8_build_is_searched_by_its_own_model_at_fp32_and_by_no_other():
    from rag.index.manifest import ChunkingInfo, EmbedderInfo, Manifest

    chunking = ChunkingInfo(chunker="c", chunk_size=700, chunk_overlap=100)
    built = Manifest(embedder=EmbedderInfo("onnx", "e5+int8-blocked", 384), chunking=chunking, documents={})
    built.check_embedder("e5", 384)  # the same model's fp32 questions
    for model_id, dim in (("other", 384), ("other+int8-blocked", 384), ("e5", 256)):
        with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
            built.check_embedder(model_id, dim)
    # A build at another precision is not mixed in: it rebuilds.
    assert "embedder changed" in built.incompatibility(EmbedderInfo("onnx", "e5", 384), chunking)
    assert built.incompatibility(EmbedderInfo("onnx", "e5+int8-blocked", 384), chunking) == ""


def test_embedder_change_forces_full_rebuild(hashing_assistant, hashing_settings):
    other = load_settings(paths=hashing_settings.paths.model_dump(), embedding={"backend": "hashing", "dim": 128})
    # Querying an index built by another model is refused, never silently mixed.
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        Assistant.from_settings(other).ask("Microsoft")
    step = Assistant.from_settings(other)
    r = step.rebuild()
    assert r.full_rebuild and "embedder changed" in r.reason
    assert r.embedded_chunks == load_index(hashing_settings.paths.index_dir).vectors.ntotal
    assert step.embedder.documents_encoded == _encoded(hashing_settings.paths.index_dir)
    assert load_index(hashing_settings.paths.index_dir).dim == 128


def test_chunking_change_forces_full_rebuild(hashing_assistant, hashing_settings):
    other = load_settings(**{**hashing_settings.model_dump(), "chunking": {"chunk_size": 400, "chunk_overlap": 50}})
    r = Assistant.from_settings(other).rebuild()
    assert r.full_rebuild and "chunking changed" in r.reason


def test_missing_index_says_run_rag_index(hashing_settings):
    with pytest.raises(IndexMissingError, match="rag index"):
        Assistant.from_settings(hashing_settings).ask("Frage?")


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_corrupt_files_are_detected_with_rebuild_hint(hashing_assistant, hashing_settings, damage):
    index_dir = hashing_settings.paths.index_dir
    version = VersionStore(index_dir).current_dir()
    target = version / ("manifest.json" if damage == "manifest" else "segments/seg-000001/vectors.npy")
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        target.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    elif damage == "delete":
        target.unlink()
    else:
        target.write_text("{ not json")
    with pytest.raises(IndexCorruptError, match="rag index --rebuild"):
        load_index(index_dir)
    # The rebuild path recovers from it.
    report = Assistant.from_settings(hashing_settings).rebuild()
    assert report.full_rebuild and load_index(index_dir).chunks


def test_second_concurrent_rebuild_is_refused(hashing_assistant, hashing_settings):
    with VersionStore(hashing_settings.paths.index_dir).lock():
        with pytest.raises(IndexLockedError, match="Another index rebuild is running"):
            Assistant.from_settings(hashing_settings).rebuild()
    assert Assistant.from_settings(hashing_settings).rebuild() is not None


def test_old_versions_are_cleaned_up(hashing_assistant, hashing_settings):
    for i in range(4):
        (hashing_settings.paths.seeds_dir / f"extra{i}.txt").write_text(f"Dokument Nummer {i} über Wale.")
        Assistant.from_settings(hashing_settings).rebuild()
    versions = list((hashing_settings.paths.index_dir / "versions").iterdir())
    assert len(versions) == 2 and not any(v.name.startswith(".tmp") for v in versions)


def test_kill_minus_9_at_random_points_leaves_a_loadable_index(tmp_path, seeds_dir):
    """Fault injection: SIGKILL a rebuild subprocess at random moments, 20 times."""
    for i in range(150):  # a bigger corpus so the kill lands in embedding and writing too
        (seeds_dir / f"bulk{i:03d}.txt").write_text(f"Artikel {i}. " + "Microsoft und OpenAI verhandeln. " * 60)
    index_dir = tmp_path / "index"
    cmd = [sys.executable, "-m", "rag.cli", "index", "--seeds", str(seeds_dir), "--index", str(index_dir),
           "--embedder-backend", "hashing"]
    env = {**os.environ, "RAG_EMBEDDING__DIM": "256"}
    durations = {}
    for mode, extra in (("full", ["--rebuild"]), ("incremental", [])):
        (seeds_dir / f"warmup-{mode}.txt").write_text(f"Aufwärmen ({mode}): Wale und Delfine.")
        started = time.perf_counter()
        subprocess.run(cmd + extra, check=True, env=env, capture_output=True)
        durations[mode] = time.perf_counter() - started
    rng = random.Random(1234)
    kills = 0
    for trial in range(20):
        (seeds_dir / f"trial{trial}.txt").write_text(f"Versuch {trial}: ein Dokument über Wale.")
        # Odd trials rebuild fully, even ones add one document: an incremental update is
        # much quicker, so each kill is timed within its own kind of run.
        mode = "full" if trial % 2 else "incremental"
        proc = subprocess.Popen(cmd + (["--rebuild"] if mode == "full" else []), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, durations[mode] * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        index = load_index(index_dir)
        assert index.vectors.ntotal == len(index.chunks) > 0
        settings = load_settings(paths={"seeds_dir": seeds_dir, "index_dir": index_dir},
                                 embedding={"backend": "hashing", "dim": 256})
        answer = Assistant.from_settings(settings).ask("Microsoft und OpenAI verhandeln", mode="bm25")
        assert answer.hits
    assert kills >= 10, f"only {kills} of 20 runs were killed mid-way ({durations}); the timing window is off"
    json.loads((index_dir / "versions" / VersionStore(index_dir).current_name() / "manifest.json").read_text())


class _NoModel:
    """An embedder that has an id and a dimension but no model: any encoding fails."""

    model_id, dim = "hashing-256", 256

    def encode_documents(self, texts, progress=None):
        raise AssertionError("nothing changed, yet the model was asked to encode")

    encode_queries = encode_documents


def test_nothing_changed_reads_no_segment_and_no_model(hashing_assistant, hashing_settings, monkeypatch):
    import rag.index.local.store as store
    from rag.ingest.update import update_index

    def no_segments(*args, **kwargs):
        raise AssertionError("nothing changed, yet the segments were read")

    monkeypatch.setattr(store, "open_segments", no_segments)
    p = hashing_settings.paths
    report = update_index(p.seeds_dir, p.index_dir, hashing_settings.chunking, _NoModel(), "hashing")
    assert report.unchanged and not (report.added or report.changed or report.removed)
    assert report.embedded_chunks == 0 and not report.full_rebuild


def test_a_file_rewritten_in_place_is_checked_by_checksum(hashing_assistant, hashing_settings):
    # Same size, new bytes, new mtime: the stat no longer matches, so the sha256 decides.
    live = VersionStore(hashing_settings.paths.index_dir).current_dir()
    vectors = live / "segments" / "seg-000001" / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF
    vectors.unlink()  # a hard link may be shared with nothing here, but never write through one
    vectors.write_bytes(bytes(data))
    report = _fresh(hashing_settings).rebuild()
    assert report.full_rebuild and "unusable" in report.reason

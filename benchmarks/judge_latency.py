"""What `reader.judge = local` adds to a question: the judge's forward pass over the best
sentence, timed per call (wall and this process's CPU time), with the model loaded once.

    python benchmarks/judge_latency.py --questions evals/questions.jsonl --n 10

It reads the seed eval questions of the dev split, retrieves and scores them with the
extractive reader (as at answer time) and judges each one's best sentence. Medians are
printed; run it on a quiet machine (the CPU time is the steadier figure on a shared one).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"))
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: the settings')")
    args = p.parse_args()

    import numpy as np

    from rag.answer.analysis import analyze_question
    from rag.answer.reader.candidates import candidates
    from rag.assistant import Assistant
    from rag.backends.judge import local_judge
    from rag.core.config import load_settings

    settings = load_settings()
    llm = settings.llm if args.threads is None else settings.llm.model_copy(update={"n_threads": args.threads})
    assistant = Assistant(settings)
    items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [i for i in items if i.get("split") == "dev"][: args.n]
    t0 = time.perf_counter()
    judge = local_judge(llm, settings.paths.models_dir)
    load_s = time.perf_counter() - t0
    walls, cpus, tokens = [], [], []
    for item in items:
        analysis = analyze_question(item["question"])
        cands = candidates(assistant.search(item["question"]))
        if not cands:
            continue
        scores = assistant.reader.score(analysis.whole, cands, analysis.language).scores
        best = cands[int(np.argmax(scores))].with_antecedent()
        tokens.append(len(judge.prompt_tokens(analysis.whole.text, best)))
        w, c = time.perf_counter(), time.process_time()
        judge(analysis.whole.text, best)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    print(json.dumps({"questions": len(walls), "model_load_s": round(load_s, 2), "threads": llm.n_threads,
                      "prompt_tokens_median": statistics.median(tokens),
                      "judge_wall_s_median": round(statistics.median(walls), 2),
                      "judge_cpu_s_median": round(statistics.median(cpus), 2)}, indent=1))


if __name__ == "__main__":
    main()

"""`rag eval --dataset xquad`: retrieval and extractive-answer benchmark on SQuAD-format data.

The articles are written to a temporary directory and indexed into a temporary index with the
configured embedder (the user's `index/` is never touched). Every question is asked against
the whole index:

- retrieval, per mode: a retrieved chunk is a hit when its [start, end) contains a gold
  answer span (mapped into the cleaned text, see `squad_data`); hit@1, hit@5, MRR@10, and
  the latency of `Retriever.search` per question (query embedding + BM25 + FAISS + fusion);
- answers (hybrid, the configured answer backend, `extractive` by default): SQuAD exact match
  and token F1 with the German normalisation of `rag.evaluation.metrics`, plus how often the
  gold string is contained in the response (on an evenly spaced sample of `ANSWER_SAMPLE`
  questions). Extractive answers are whole sentences, so EM is
  near zero by construction; "contained" is the fairer reading of them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.answer.analysis import analyze_question
from rag.core.config import Settings
from rag.evaluation.metrics import contains_answer, mean, normalize_answer, percentile, token_f1
from rag.evaluation.records import evidence
from rag.evaluation.squad_data import Question, SquadSet, load_squad, write_documents

MODES = ("dense", "bm25", "hybrid")
K = 10  # retrieval depth: MRR@10
# Answers cost ~1 s each on a shared CPU; score an evenly spaced sample of this many questions.
ANSWER_SAMPLE = 300


def first_hit_rank(hits, question: Question) -> int | None:
    """1-based rank of the first chunk that contains a gold span of the question's document."""
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        if chunk.source == question.source and any(
                chunk.start <= s and e <= chunk.end for s, e in question.spans):
            return rank
    return None


def retrieval_metrics(ranks: list[int | None], latencies_ms: list[float]) -> dict[str, float]:
    return {
        "hit@1": mean(1.0 if r == 1 else 0.0 for r in ranks) or 0.0,
        "hit@5": mean(1.0 if r and r <= 5 else 0.0 for r in ranks) or 0.0,
        "mrr@10": mean(1.0 / r if r and r <= K else 0.0 for r in ranks) or 0.0,
        "p50_ms": percentile(latencies_ms, 50) or 0.0,
        "p95_ms": percentile(latencies_ms, 95) or 0.0,
    }


def run_retrieval(retriever, questions: list[Question], mode: str) -> tuple[dict[str, float], list]:
    from tqdm.auto import tqdm

    ranks, latencies, rows = [], [], []
    for q in tqdm(questions, desc=f"Retrieval {mode}", unit="q", file=sys.stderr):
        t0 = time.perf_counter()
        whole = analyze_question(q.question).whole  # one search for the whole question
        hits = retriever.search(whole.text, whole.language, k=K, mode=mode)
        latencies.append((time.perf_counter() - t0) * 1000)
        rank = first_hit_rank(hits, q)
        ranks.append(rank)
        rows.append({"id": q.qid, "rank": rank, "top": [h.chunk.chunk_id for h in hits[:3]]})
    return retrieval_metrics(ranks, latencies), rows


def run_answers(assistant, questions: list[Question], without_article: bool = False) -> tuple[dict[str, float], list]:
    """Answer each question; `without_article`: with its own article filtered out of the
    search, so every question is unanswerable and should be refused."""
    from tqdm.auto import tqdm

    from rag.index.filters import SearchFilter

    em, f1, contained, refused, rows = [], [], [], [], []
    label = "Unanswerables (own article removed)" if without_article else "Answers (hybrid)"
    for q in tqdm(questions, desc=label, unit="q", file=sys.stderr):
        where = SearchFilter(exclude_sources=frozenset({q.source})) if without_article else None
        answer = assistant.ask(q.question, mode="hybrid", where=where)
        text = "" if answer.refused else answer.text
        norm = normalize_answer(text)
        em.append(float(any(norm == normalize_answer(g) for g in q.answers)))
        f1.append(token_f1(text, q.answers))
        contained.append(float(any(contains_answer(norm, g) for g in q.answers)))
        refused.append(float(answer.refused))
        rows.append({"id": q.qid, "question": q.question, "gold": list(q.answers), "answer": answer.text,
                     "refused": answer.refused, "f1": round(f1[-1], 4), "contained": bool(contained[-1]),
                     "latency_ms": answer.timings_ms.get("total"), **evidence(answer.to_json())})
    summary = {"exact_match": mean(em) or 0.0, "token_f1": mean(f1) or 0.0,
               "contained": mean(contained) or 0.0, "refused": mean(refused) or 0.0}
    return summary, rows


def format_table(result: dict[str, Any]) -> str:
    modes = [m for m in MODES if m in result["retrieval"]]
    lines = [f"XQuAD-style benchmark: {result['n_questions']} questions, "
             f"{result['n_documents']} documents, {result['n_chunks']} chunks "
             f"({result['unmappable']} unmappable gold spans)",
             f"{'metric':<14}" + "".join(f"{m:>10}" for m in modes)]
    for key, fmt in (("hit@1", "{:.3f}"), ("hit@5", "{:.3f}"), ("mrr@10", "{:.3f}"),
                     ("p50_ms", "{:.1f}"), ("p95_ms", "{:.1f}")):
        lines.append(f"{key:<14}" + "".join(f"{fmt.format(result['retrieval'][m][key]):>10}"
                                            for m in modes))
    ans = result.get("answers")
    if ans:
        lines.append(f"answers ({result['meta']['llm']}, hybrid, n={ans['n']}): EM {ans['exact_match']:.3f}  "
                     f"F1 {ans['token_f1']:.3f}  contained {ans['contained']:.3f}  "
                     f"refused {ans['refused']:.3f}")
    un = result.get("unanswerable")
    if un:
        lines.append(f"unanswerable (the same questions, own article filtered out, n={un['n']}): "
                     f"refused {un['refused']:.3f}")
    lines.insert(0, f"Split: {result['meta'].get('split', 'all')} "
                    f"({result['meta'].get('split_articles', '?')} of {result['n_documents']} articles' questions)")
    return "\n".join(lines)


def benchmark(squad: SquadSet, settings: Settings, modes: list[str], work: Path,
              answer_sample: int = ANSWER_SAMPLE, split: str = "all") -> dict[str, Any]:
    """Index `squad`'s documents under `work` and score every question."""
    import faiss

    from rag.assistant import Assistant
    from rag.evaluation.provenance import collect
    from rag.retrieval.retriever import Retriever

    docs_dir, index_dir = work / "docs", work / "index"
    write_documents(squad, docs_dir)
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(
        update={"seeds_dir": docs_dir, "index_dir": index_dir})})
    assistant = Assistant.from_settings(settings)
    t0 = time.perf_counter()
    report = assistant.rebuild(force=True)
    index_s = time.perf_counter() - t0
    index = assistant.index()  # sets FAISS threads to settings.retrieval.faiss_threads
    faiss.omp_set_num_threads(settings.retrieval.faiss_threads)
    retriever = Retriever(index, assistant.embedder, settings.retrieval)
    retriever.search("Aufwärmen", "de", k=K)  # first-call costs (lazy imports, allocations)

    from rag.evaluation.reader_training import xquad_split

    # The reader is fitted on the "fit" half of the articles (rag train-reader); "test"
    # reports on the other half, "dev" on the fit half itself.
    halves = xquad_split(q.source for q in squad.questions)
    wanted = {"test": "report", "dev": "fit"}.get(split)
    questions = [q for q in squad.questions if q.spans and (wanted is None or halves[q.source] == wanted)]
    result: dict[str, Any] = {
        "n_questions": len(questions), "n_documents": len(squad.documents),
        "n_chunks": report.total_chunks, "unmappable": len(squad.unmappable),
        "altered_by_cleaning": squad.altered, "retrieval": {}, "per_question": {},
        "meta": {"embedder": assistant.embedder.model_id, "index_embedder": assistant.index_embedder.model_id,
                 "llm": settings.llm.backend,
                 "reader_params": assistant.reader.params_file,
                 "retrieval": settings.retrieval.model_dump(), "chunking": settings.chunking.model_dump(),
                 "index_seconds": round(index_s, 1), "k": K, "split": split,
                 "split_articles": len({q.source for q in questions})},
        "provenance": collect(assistant, []),  # the temporary index is gone after the run
    }
    for mode in modes:
        metrics, rows = run_retrieval(retriever, questions, mode)
        result["retrieval"][mode] = metrics
        result["per_question"][mode] = rows
    if answer_sample:
        step = max(1, -(-len(questions) // answer_sample))
        sample = questions[::step]
        result["answers"], result["per_question"]["answers"] = run_answers(assistant, sample)
        result["answers"]["n"] = len(sample)
        result["unanswerable"], result["per_question"]["unanswerable"] = run_answers(
            assistant, sample, without_article=True)
        result["unanswerable"]["n"] = len(sample)
    return result


def _load_average() -> list[float] | None:
    try:
        import os

        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def run_squad_benchmark(path: Path, settings: Settings, mode: str = "all", out_dir: Path = Path("evals/results"),
                        limit: int | None = None, split: str = "all") -> int:
    """Run the benchmark, print the table, write `out_dir/xquad-<timestamp>.json`; exit code."""
    squad = load_squad(path, limit=limit)
    if not squad.questions:
        print(f"No questions in {path}", file=sys.stderr)
        return 1
    if squad.unmappable:
        print(f"warning: {len(squad.unmappable)} gold answers could not be mapped into the "
              f"cleaned text and are skipped", file=sys.stderr)
    modes = list(MODES) if mode == "all" else [mode]
    load_before = _load_average()
    with tempfile.TemporaryDirectory(prefix="rag-squad-") as tmp:
        result = benchmark(squad, settings, modes, Path(tmp), split=split)
    result["meta"].update({"dataset": str(path), "limit": limit, "mode": mode,
                           "load_average": {"before": load_before, "after": _load_average()},
                           "unmappable_answers": squad.unmappable})
    print(format_table(result))
    from rag.evaluation.runs import change_summary, write_benchmark_run

    paths = write_benchmark_run(result, "xquad", Path(path), out_dir)
    print(f"\n{change_summary(result)}\n\nWrote {paths['json']}\nReport: {paths['html']}")
    return 0

"""`rag eval --dataset xquad|mlqa`: retrieval and answer benchmark on SQuAD-format data.

The documents (XQuAD: one per article; MLQA: one per paragraph) are indexed under the cache
dir (`paths.cache_dir`/corpora/<dataset>, never the user's `index/`; a second run embeds
nothing). Half the documents are "fit" (the reader is fitted on them; `--split dev`), half
"report" (`--split test`), by `xquad_split`. Every question is asked against the whole index:

- retrieval, per mode: a retrieved chunk is a hit when its [start, end) contains a gold
  answer span (mapped into the cleaned text, see `squad_data`); hit@1, hit@5, MRR@10, and
  the latency of `Retriever.search` per question (query embedding + BM25 + FAISS + fusion);
- answers (hybrid, the configured answer backend, `extractive` by default), on an evenly
  spaced sample of `ANSWER_SAMPLE` questions, scored by the eval runner: SQuAD exact match,
  token F1, "contained" (the gold string is in the answer; extractive answers are whole
  sentences, so EM is near zero by construction), false refusals and citation precision;
  each question again with its own document filtered out (to be refused), and as a near
  miss (nearmiss.py: its document without the answer sentences; to be refused), with the
  refusal metrics of refusal_metrics.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from rag.answer.analysis import analyze_question
from rag.core.config import Settings
from rag.evaluation.metrics import mean, normalize_answer, percentile
from rag.evaluation.squad_data import Question, SquadSet, load_squad

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


def squad_items(questions: list[Question], split: str) -> list[dict[str, Any]]:
    """Eval items (the runner's schema) for SQuAD questions: each answerable, and again with
    its own document filtered out of the search (`<id>-removed`, to be refused)."""
    from rag.index.filters import SearchFilter

    answerable = [{"id": q.qid, "question": q.question, "answers": list(q.answers), "sources": [q.source],
                   "type": "fact", "split": split} for q in questions]
    removed = [{"id": q.qid + "-removed", "question": q.question, "answers": [], "sources": [],
                "type": "unanswerable", "split": split,
                "where": SearchFilter(exclude_sources=frozenset({q.source}))} for q in questions]
    return answerable + removed


def run_answers(assistant, questions: list[Question], split: str, work: Path | None,
                meta: dict[str, Any]):
    """Ask each question (hybrid), again with its document filtered out, and, with `work`
    (where the rounds' indexes live), of its near miss; returns the runner's EvalResult."""
    from tqdm.auto import tqdm

    from rag.evaluation.nearmiss import GoldQuestion
    from rag.evaluation.nearmiss_eval import asker, exclusion_summary, near_miss_items, plan
    from rag.evaluation.runner import run_eval

    items = squad_items(questions, split)
    rounds = None
    if work is not None:
        rounds, excluded = plan(assistant, [GoldQuestion(q.qid, q.question, q.answers, (q.source,), q.spans,
                                                         split=split) for q in questions], work)
        items += near_miss_items(rounds)
        meta = {**meta, "near_miss_rounds": len(rounds.rounds), "near_miss_excluded": exclusion_summary(excluded)}
    bar = tqdm(total=len(items), desc="Answers (hybrid)", unit="q", file=sys.stderr)
    result = run_eval(None, items, progress=lambda *_: bar.update(1), meta=meta,
                      ask_item=asker(lambda a, q, where: a.ask(q, mode="hybrid", where=where).to_json(),
                                     assistant, rounds))
    bar.close()
    return result


def answer_summaries(result) -> dict[str, dict[str, float]]:
    """The benchmark's own answer numbers from the runner's rows: SQuAD exact match, token
    F1, "contained" (the gold string is in the answer: `answer_match`) and refusals, for the
    answerable questions; refusals with the document removed, and of the near misses."""
    rows = result.per_question
    answerable = [r for r in rows if r["answerable"]]
    em = [float(not r["refused"] and any(normalize_answer(r["answer"]) == normalize_answer(g) for g in r["gold"]))
          for r in answerable]
    out = {"answers": {"exact_match": mean(em) or 0.0, "token_f1": mean(r["token_f1"] for r in answerable) or 0.0,
                       "contained": mean(r["answer_match"] for r in answerable) or 0.0,
                       "refused": mean(float(r["refused"]) for r in answerable) or 0.0, "n": len(answerable)}}
    removed = [r for r in rows if r["type"] == "unanswerable"]
    out["unanswerable"] = {"refused": mean(float(r["refused"]) for r in removed) or 0.0, "n": len(removed)}
    near = [r for r in rows if r["type"] == "near_miss"]
    if near:
        out["near_miss"] = {"refused": mean(float(r["refused"]) for r in near) or 0.0, "n": len(near)}
    return out


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
    near = result.get("near_miss")
    if near:
        excluded = result["meta"].get("near_miss_excluded", {}).get("n", 0)
        lines.append(f"near misses (the same questions, their answer sentences removed, n={near['n']}, "
                     f"{excluded} without a clean one): refused {near['refused']:.3f}")
    overall = (result.get("eval") or {}).get("overall")
    if overall:
        lines.append(refusal_line(overall))
    lines.insert(0, f"Split: {result['meta'].get('split', 'all')} "
                    f"({result['meta'].get('split_articles', '?')} of {result['n_documents']} articles' questions)")
    return "\n".join(lines)


def refusal_line(overall: dict[str, Any]) -> str:
    """One line of the refusal metrics (refusal_metrics.py) of an eval's `overall`."""
    def f(key: str) -> str:
        value = overall.get(key)
        return "–" if value is None else f"{value:.3f}"

    return (f"false refusals {f('false_refusal_rate')}, near misses refused {f('near_miss_refused')}, "
            f"citation precision {f('citation_precision')}; confidence AUC (answerable vs near miss) "
            f"{f('confidence_auc')}, near misses refused at <=10% false refusals "
            f"{f('near_miss_refused_at_fr10')} (threshold {f('fr10_threshold')}), ECE {f('ece')}")


def benchmark(squad: SquadSet, settings: Settings, modes: list[str], work: Path,
              answer_sample: int = ANSWER_SAMPLE, split: str = "all", name: str = "xquad",
              near_misses: bool = True) -> dict[str, Any]:
    """Index `squad`'s documents under `work/name` (kept: a second run embeds nothing) and
    score every question of `split`."""
    import faiss

    from rag.evaluation.corpora import squad_assistant
    from rag.evaluation.provenance import collect
    from rag.retrieval.retriever import Retriever

    t0 = time.perf_counter()
    assistant = squad_assistant(settings, work, squad, name)
    index_s = time.perf_counter() - t0
    settings = assistant.settings
    index = assistant.index()  # sets FAISS threads to settings.retrieval.faiss_threads
    faiss.omp_set_num_threads(settings.retrieval.faiss_threads)
    retriever = Retriever(index, assistant.embedder, settings.retrieval)
    retriever.search("Aufwärmen", "de", k=K)  # first-call costs (lazy imports, allocations)

    from rag.evaluation.reader_examples import xquad_split

    # The reader is fitted on the "fit" half of the articles (rag train-reader); "test"
    # reports on the other half, "dev" on the fit half itself.
    halves = xquad_split(q.source for q in squad.questions)
    wanted = {"test": "report", "dev": "fit"}.get(split)
    questions = [q for q in squad.questions if q.spans and (wanted is None or halves[q.source] == wanted)]
    result: dict[str, Any] = {
        "n_questions": len(questions), "n_documents": len(squad.documents),
        "n_chunks": index.size, "unmappable": len(squad.unmappable),
        "altered_by_cleaning": squad.altered, "retrieval": {}, "per_question": {},
        "meta": {"embedder": assistant.embedder.model_id, "index_embedder": assistant.index_embedder.model_id,
                 "llm": settings.llm.backend,
                 "reader_params": assistant.reader.params_file,
                 "retrieval": settings.retrieval.model_dump(), "chunking": settings.chunking.model_dump(),
                 "index_seconds": round(index_s, 1), "k": K, "split": split, "answer_sample": answer_sample,
                 "split_articles": len({q.source for q in questions})},
        "provenance": collect(assistant, []),  # the dataset file is added with the run folder
    }
    for mode in modes:
        metrics, rows = run_retrieval(retriever, questions, mode)
        result["retrieval"][mode] = metrics
        result["per_question"][mode] = rows
    if answer_sample:
        step = max(1, -(-len(questions) // answer_sample))
        sample = questions[::step]
        evaluated = run_answers(assistant, sample, split, work / f"{name}-{split}-nearmiss" if near_misses else None,
                                {**result["meta"], "set": name})
        result.update(answer_summaries(evaluated))
        result["meta"].update({k: evaluated.meta[k] for k in ("near_miss_rounds", "near_miss_excluded")
                               if k in evaluated.meta})
        result["eval"] = {"overall": evaluated.overall, "by_type": evaluated.by_type,
                          "reliability": evaluated.meta["reliability"]}
        result["per_question"]["answers"] = evaluated.per_question
    return result


def _load_average() -> list[float] | None:
    try:
        import os

        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def run_squad_benchmark(path: Path, settings: Settings, mode: str = "all", out_dir: Path = Path("evals/results"),
                        limit: int | None = None, split: str = "all", dataset: str = "xquad",
                        near_misses: bool = True, answer_sample: int | None = None) -> int:
    """Run the benchmark on `dataset` ("xquad": a document per article; "mlqa": a document
    per paragraph), print the table and write its run folder
    (`out_dir/<timestamp>-<dataset>-<backend>-<split>/`: report.json, report.html); exit code.
    The corpus is indexed under the cache dir (`paths.cache_dir`/corpora/<dataset>)."""
    squad = load_squad(path, limit=limit, per_paragraph=dataset == "mlqa")
    if not squad.questions:
        print(f"No questions in {path}", file=sys.stderr)
        return 1
    if squad.unmappable:
        print(f"warning: {len(squad.unmappable)} gold answers could not be mapped into the "
              f"cleaned text and are skipped", file=sys.stderr)
    modes = list(MODES) if mode == "all" else [mode]
    load_before = _load_average()
    result = benchmark(squad, settings, modes, Path(settings.paths.cache_dir) / "corpora", split=split,
                       name=dataset, near_misses=near_misses,
                       answer_sample=ANSWER_SAMPLE if answer_sample is None else answer_sample)
    extra = {"dataset": str(path), "limit": limit, "mode": mode,
             "load_average": {"before": load_before, "after": _load_average()}}
    result["meta"].update({**extra, "unmappable_answers": squad.unmappable})
    print(format_table(result))
    from rag.evaluation.runs import change_summary, write_benchmark_run

    paths = write_benchmark_run(result, dataset, Path(path), out_dir)
    print(f"\n{change_summary(result)}\n\nWrote {paths['json']}\nReport: {paths['html']}")
    return 0

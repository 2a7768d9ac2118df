"""English vs German questions on the same facts: dense / bm25 / hybrid retrieval.

    python benchmarks/crosslingual.py [--cross-lingual-bm25-weight W] [--fusion rrf ...]

Takes the eval set's `crosslingual` (English) questions and a German counterpart of each
(hand-translated below; the set's own German questions on the same facts are listed in
`GERMAN_IN_SET` and scored too), retrieves the top 10 chunks over the live index and
reports source-level hit@1 / MRR@10 per language and mode, plus every English question
where hybrid ranks the gold source lower than dense alone (the gate must prevent that).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed_retrieval import ROOT, add_retrieval_args, make_retriever, retrieval_table, score  # noqa: E402

from rag.text.language import detect_language  # noqa: E402
from rag.evaluation.metrics import mrr  # noqa: E402

# English question id -> a faithful German translation.
GERMAN = {
    "xling-001": "Welchen Anteil an OpenAI soll Microsoft erhalten haben?",
    "xling-002": "Wie viel Geld soll in das Projekt Stargate fließen?",
    "xling-003": "Wer leitet Microsofts neues KI-Team für Verbraucher?",
    "xling-004": "Wie viele Mitarbeiter wollte Microsoft entlassen?",
    "xling-005": "Welche Firma führte die Finanzierungsrunde von OpenAI im Oktober 2024 an?",
    "xling-006": "Bis zu welchem Jahr läuft die Partnerschaft zwischen Microsoft und OpenAI?",
    "xling-007": "Wer ist der Technikchef von Microsoft?",
    "xling-008": "Welcher US-Präsident hat das Projekt Stargate angekündigt?",
    "xling-009": "Wie viel wollte Microsoft laut der Ankündigung von 2019 in OpenAI investieren?",
}
# The eval set's own German questions with the same gold answer (found by answer string).
GERMAN_IN_SET = {"xling-003": "fact-021", "xling-004": "fact-005", "xling-005": "fact-024",
                 "xling-006": "fact-016", "xling-007": "fact-025", "xling-008": "fact-015",
                 "xling-009": "fact-003"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "questions.jsonl")
    add_retrieval_args(parser)
    args = parser.parse_args()
    items = {i["id"]: i for i in (json.loads(line) for line in
             args.questions.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#"))}
    english = [i for i in items.values() if i["type"] == "crosslingual"]
    german = [{**i, "question": GERMAN[i["id"]], "lang": "de"} for i in english if i["id"] in GERMAN]
    in_set = [items[GERMAN_IN_SET[i["id"]]] for i in english if i["id"] in GERMAN_IN_SET]
    retriever, settings = make_retriever(args)
    groups = {"en": english, "de (transl.)": german, "de (in set)": in_set}
    rows = {g: score(retriever, its) for g, its in groups.items()}
    print(f"settings: {settings.model_dump()}")
    print(retrieval_table(rows, {g: len(its) for g, its in groups.items()}))

    worse = []
    for item in english:
        rr = {m: mrr([h.chunk.source for h in retriever.search(item["question"], detect_language(item["question"]), k=10, mode=m)],
                     item["sources"], 10) for m in ("dense", "hybrid")}
        if rr["hybrid"] < rr["dense"]:
            worse.append(f"  {item['id']}: hybrid RR {rr['hybrid']:.2f} < dense {rr['dense']:.2f}  {item['question']}")
    print(f"\nEnglish questions where hybrid is worse than dense: {len(worse)}")
    print("\n".join(worse))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Evaluation harness: an eval set of questions, metrics, a runner and reports.

Typical use (the system under test is any ``ask(question) -> Answer.to_json()`` callable)::

    from rag.evaluation import load_items, run_eval, write_report, format_table
    items = load_items("evals/questions.jsonl")
    result = run_eval(lambda q: assistant.ask(q).to_json(), items)
    print(format_table(result))
    write_report(result, "evals/results/latest")

Importing is cheap: sacrebleu and matplotlib are imported only when a metric or chart
needs them.
"""

from rag.evaluation.report import compare, format_table, load_report, write_report
from rag.evaluation.runner import EvalResult, load_items, run_eval, score_item

__all__ = [
    "EvalResult",
    "compare",
    "format_table",
    "load_items",
    "load_report",
    "run_eval",
    "score_item",
    "write_report",
]

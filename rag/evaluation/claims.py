"""`rag eval --set claims`: claim verification measured on constructed claims.

Each claim (evals/claims/claims.jsonl, schema in evals/README.md) cites the article it was
written from: a seed file, or a row of 10kGNAD's test.csv ("test.csv#242", read from
`--path`, never copied). The article is chunked as the index chunks it, and the claim is
checked by the answer path's own verifier (`Assistant.support_scorer` + `ground_answer`) as
the reply "<claim> [1]" over all of the article's chunks: it is kept when any citation
survives. Fabricated claims should be withheld, faithful ones kept; the report gives both
rates per split and per kind, and the verification time per claim.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.core.errors import InputError

LABELS = {"faithful": ("paraphrase", "headline_body"),
          "fabricated": ("role_swap", "actor_replaced", "number_moved", "quantity_changed")}
REQUIRED = ("id", "claim", "label", "kind", "source", "split")


def load_claims(path: Path) -> list[dict[str, Any]]:
    """The claims of a JSONL file (blank and '#' lines skipped), validated line by line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the claims file {path}: {exc}") from exc
    items, seen = [], set()
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{n}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: bad JSON ({exc})") from exc
        missing = [k for k in REQUIRED if not isinstance(item.get(k), str) or not item[k]]
        if missing:
            raise InputError(f"{where}: missing or empty field(s) {', '.join(missing)}")
        if item["label"] not in LABELS or item["kind"] not in LABELS[item["label"]]:
            raise InputError(f"{where}: kind {item['kind']!r} is not one of label {item['label']!r}: "
                             f"{', '.join(LABELS.get(item['label'], ())) or 'faithful, fabricated'}")
        if item["split"] not in ("dev", "test"):
            raise InputError(f"{where}: split must be dev or test")
        if item["id"] in seen:
            raise InputError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        items.append(item)
    return items


def source_documents(sources: set[str], seeds_dir: Path, csv_path: Path | None, settings) -> dict[str, Any]:
    """The Document of each cited source: seed files by name, CSV rows by "<file>#<row>"."""
    from rag.ingest.documents import read_document
    from rag.ingest.imports import ImportSpec, expand

    docs: dict[str, Any] = {}
    rows = {s for s in sources if "#" in s}
    if rows:
        if csv_path is None or not Path(csv_path).is_file():
            raise InputError("Claims over news rows need 10kGNAD's test.csv: pass --path "
                             "../shared/benchmarks/10kgnad/test.csv")
        spec = ImportSpec(path=str(Path(csv_path).resolve()), format="csv", text="2", delimiter=";",
                          quotechar="'", header=False)
        found, _ = expand(spec, Path(csv_path).read_bytes(), settings.ingest)
        docs.update({r.source: r.doc for r in found if r.source in rows})
    for name in sources - rows:
        path = Path(seeds_dir) / name
        if not path.is_file():
            raise InputError(f"the claims cite {name}, which is not in {seeds_dir}")
        sidecar = path.with_name(path.name + ".meta.json")
        doc = read_document(name, path.read_bytes(), settings.ingest,
                            sidecar.read_bytes() if sidecar.is_file() else None)
        if isinstance(doc, str) or not hasattr(doc, "text"):
            raise InputError(f"cannot read {name}: {doc}")
        docs[name] = doc
    if missing := sources - set(docs):
        raise InputError(f"the claims cite rows that {csv_path} does not have: {', '.join(sorted(missing))}")
    return docs


def verify_claims(items: list[dict[str, Any]], assistant, csv_path: Path | None) -> list[dict[str, Any]]:
    """One result row per claim: kept or withheld, right or wrong, why, and how long it took."""
    from rag.answer.citations import ground_answer
    from rag.core.types import Hit
    from rag.ingest.chunking import chunk_document

    settings = assistant.settings
    docs = source_documents({i["source"] for i in items}, settings.paths.seeds_dir, csv_path, settings)
    chunks = {s: chunk_document(d, settings.chunking) for s, d in docs.items()}
    base = assistant.support_scorer()  # one scorer: its sentence vectors are shared
    rows = []
    for item in items:
        hits = tuple(Hit(c, 1.0, r) for r, c in enumerate(chunks[item["source"]], 1))
        scorer = replace(base, premise=item.get("question", ""))  # shares base's sentence cache
        started = time.perf_counter()
        grounded = ground_answer(f"{item['claim']} [1]", hits, scorer)
        ms = (time.perf_counter() - started) * 1000
        kept = bool(grounded.citations)
        rows.append({"id": item["id"], "split": item["split"], "label": item["label"], "kind": item["kind"],
                     "claim": item["claim"], "kept": kept, "correct": kept == (item["label"] == "faithful"),
                     "cited": grounded.citations[0].text if kept else None,
                     "notices": list(grounded.notices), "ms": round(ms, 1)})
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per split: fabricated rejected and faithful kept, overall and per kind; the median
    verification time per claim."""
    out: dict[str, Any] = {}
    for split in sorted({r["split"] for r in rows}):
        part = [r for r in rows if r["split"] == split]
        kinds: dict[str, list[bool]] = defaultdict(list)
        for r in part:
            kinds[r["kind"]].append(r["correct"])
        out[split] = {
            "fabricated_rejected": _rate([r["correct"] for r in part if r["label"] == "fabricated"]),
            "faithful_kept": _rate([r["correct"] for r in part if r["label"] == "faithful"]),
            "kinds": {k: _rate(v) for k, v in sorted(kinds.items())},
            "median_ms": round(statistics.median(r["ms"] for r in part), 1),
        }
    return out


def _rate(values: list[bool]) -> dict[str, Any]:
    return {"n": len(values), "right": sum(values), "rate": round(sum(values) / len(values), 3) if values else None}


def format_summary(summary: dict[str, Any]) -> str:
    lines = []
    for split, s in summary.items():
        fab, fai = s["fabricated_rejected"], s["faithful_kept"]
        lines.append(f"split {split}: fabricated rejected {fab['right']}/{fab['n']} = {fab['rate']}, "
                     f"faithful kept {fai['right']}/{fai['n']} = {fai['rate']}, median {s['median_ms']} ms per claim")
        for kind, k in s["kinds"].items():
            verb = "kept" if kind in LABELS["faithful"] else "rejected"
            lines.append(f"  {kind:<17} {verb:<8} {k['right']:>2}/{k['n']:<2} = {k['rate']}")
    return "\n".join(lines)


def run_claims_eval(args, settings) -> int:
    from rag.assistant import Assistant
    from rag.evaluation.runner import select_split

    path = args.questions or Path("evals/claims/claims.jsonl")
    items = select_split(load_claims(path), args.split)
    if args.limit:
        items = items[: args.limit]
    if not items:
        raise InputError(f"{path} has no claims in split {args.split!r}.")
    assistant = Assistant.from_settings(settings)
    rows = verify_claims(items, assistant, args.path)
    summary = summarise(rows)
    out = Path(args.out or settings.paths.eval_results_dir) / f"{time.strftime('%Y%m%d-%H%M%S')}-claims-{args.split}"
    out.mkdir(parents=True, exist_ok=True)
    meta = {"set": "claims", "split": args.split, "claims": str(path), "embedder": assistant.embedder.model_id,
            "entailment": settings.citations.entailment or None,
            "entailment_threshold": settings.citations.entailment_threshold}
    from rag.core.fsio import atomic_write_text

    atomic_write_text(out / "report.json", json.dumps({"meta": meta, "summary": summary, "claims": rows},
                                                      ensure_ascii=False, indent=1))
    print(format_summary(summary))
    wrong = [r for r in rows if not r["correct"]]
    for r in wrong:
        print(f"  wrong: {r['id']} [{r['split']}, {r['kind']}] {'kept' if r['kept'] else 'withheld'}: {r['claim'][:90]}")
    print(f"\nWrote {out / 'report.json'}")
    return 0

"""How `rag` prints an index report, the index status and an answer for a person (the JSON forms are the
objects' own `summary()` and `to_json()`)."""

from __future__ import annotations

import json
import sys

from rag.text.dates import display_date


def print_report(report, as_json: bool) -> None:
    # The one place skipped files are printed: each gets exactly one line.
    for source, reason in report.skipped:
        print(f"warning: skipped {source}: {reason}", file=sys.stderr)
    if as_json:
        print(json.dumps(report.summary(), ensure_ascii=False))
        return
    if report.full_rebuild and report.reason:
        print(f"Full build ({report.reason}).")
    for key, files in report.summary().items():
        print(f"{key:>10}: {len(files):3d}  {', '.join(files[:6])}{' …' if len(files) > 6 else ''}")
    sentences = f" and {report.embedded_sentences} of their sentences" if report.embedded_sentences else ""
    print(f"Embedded {report.embedded_chunks} chunks{sentences}; index has {report.total_chunks} chunks "
          f"(version {report.version}) in {report.seconds:.1f} s.")
    if report.writes:
        print("Store: " + ", ".join(f"{n} sentence rows upserted" if k == "sentence_rows" else f"{n} rows {k}"
                                    for k, n in report.writes.items()) + ".")


def print_answer(answer) -> None:
    print(answer.text)
    for notice in answer.notices:
        print(f"note: {notice}", file=sys.stderr)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            date = f", {display_date(c.chunk.date, c.chunk.date_source)}" if c.chunk.date else ""
            page = f", p. {c.chunk.page}" if c.chunk.page else ""
            print(f"[{c.n}] {c.chunk.title}{date} — {c.chunk.source}{page} (chars {c.start}-{c.end})")
            if c.chunk.url:
                print(f"    {c.chunk.url}")
            print(f"    „{c.text}“")
    t = answer.timings_ms
    # The probability that the answer is right (of a refusal: that the documents do answer).
    sure = f"confidence {answer.confidence:.2f}; " if answer.confidence is not None else ""
    print(f"\n({answer.backend}; {sure}retrieve {t['retrieve']:.0f} ms, generate {t['generate']:.0f} ms, "
          f"total {t['total']:.0f} ms)", file=sys.stderr)


def print_status(status: dict, as_json: bool) -> None:
    """The live index (`Assistant.status()`): one line per aspect, or the dict as JSON."""
    if as_json:
        print(json.dumps(status, indent=1, ensure_ascii=False))
        return
    rest = dict(status)
    print(f"Index version {rest.pop('version')}, built {rest.pop('built_at')}")
    print(f"  documents  {rest.pop('documents')}")
    chunks = f"  chunks     {rest.pop('chunks')}"
    if "segments" in rest:
        n = rest.pop("segments")
        chunks += f" in {n} segment{'s' if n != 1 else ''}"
    if "dense_search" in rest:
        chunks += f", {rest.pop('dense_search')} dense search"
    print(chunks)
    print(f"  embedder   {rest.pop('embedder')} ({rest.pop('dim')} dimensions)")
    chunking = rest.pop("chunking")
    print(f"  chunking   {chunking['chunk_size']} characters, {chunking['chunk_overlap']} overlapping "
          f"({chunking['chunker']})")
    recall = rest.pop("ann_recall_at_10", None)
    if recall:
        print("  HNSW recall@10 " + ", ".join(f"{seg} {r:.4f}" for seg, r in recall.items()))
    store = rest.pop("store", None)
    if store:
        print("  store      " + ", ".join(f"{k} {v}" for k, v in store.items() if v))
    for key, value in rest.items():  # whatever a store adds that has no line of its own
        print(f"  {key:<10} {value}")

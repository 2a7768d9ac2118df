"""How `rag` prints an index report and an answer for a person (the JSON forms are the
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
    print(f"Embedded {report.embedded_chunks} chunks; index has {report.total_chunks} chunks "
          f"(version {report.version}) in {report.seconds:.1f} s.")
    if report.writes:
        print("Store: " + ", ".join(f"{n} rows {k}" for k, n in report.writes.items()) + ".")


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

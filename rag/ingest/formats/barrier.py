"""The per-file isolation barrier: a parser library failing on one file's bytes is a reason to
skip that file, never the end of a whole build.

Libraries raise whatever a malformed input trips. Fuzzing 300 mutated DOCX files raised
lxml's XMLSyntaxError, zlib.error (flipped compressed bytes) and an AttributeError deep in
python-docx; mutated PDFs raised PdfiumError from a page load after the document opened; a
deeply nested YAML front matter raised RecursionError. No list of exception types is
complete, so `isolate` catches any Exception, but only one raised inside library code (the
innermost frame of its traceback lies outside the `rag` package). One raised in our own code
is a bug and keeps its traceback (rag/core/errors.py).
"""

from __future__ import annotations

import os
from typing import Callable, TypeVar

from rag.ingest.formats import Rejected

T = TypeVar("T")
_OURS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))) + os.sep
_MAX_DETAIL = 200


def raised_in_our_code(exc: BaseException) -> bool:
    """True when the innermost frame that raised `exc` belongs to the `rag` package."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return os.path.realpath(tb.tb_frame.f_code.co_filename).startswith(_OURS)


def describe(exc: BaseException) -> str:
    """A one-line reason: the library's message, then its exception type."""
    detail = " ".join(str(exc).split()) or "no details"
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL - 1] + "…"
    name = type(exc).__name__
    if name.islower():  # "error" says nothing; "zlib.error" does
        name = f"{type(exc).__module__}.{name}"
    return f"{detail} ({name})"


def isolate(what: str, parse: Callable[[], T], kind: str = "corrupt") -> T | Rejected:
    """`parse()`, or Rejected("<kind> <what>: <reason>") when a library raised inside it.
    `what` names the format for the warning line ("DOCX", "PDF", "CSV")."""
    try:
        return parse()
    except Exception as exc:
        if raised_in_our_code(exc):
            raise
        return Rejected(f"{kind} {what}: {describe(exc)}")

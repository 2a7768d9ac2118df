"""SQuAD-format data for the retrieval benchmark: articles as documents, gold spans as offsets.

Each article becomes one text file (its title, then the paragraphs joined by blank lines).
Gold answers are mapped to character offsets in the *cleaned* document text (what
`rag.ingest.documents.parse_document` makes of the file, i.e. what chunks point into), because our
cleaning may alter the text slightly (ftfy, trailing spaces, collapsed blank lines).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.ingest.documents import parse_document, repair_text


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    answers: tuple[str, ...]  # all gold strings, for EM / F1
    source: str  # document file name
    spans: tuple[tuple[int, int], ...]  # mapped gold spans in the cleaned text (may be empty)


@dataclass
class SquadSet:
    documents: dict[str, str]  # file name -> raw text written to disk
    questions: list[Question] = field(default_factory=list)
    unmappable: list[dict] = field(default_factory=list)  # gold answers we could not place
    altered: int = 0  # answers found only in their cleaned form (cleaning changed them)


def _slug(title: str) -> str:
    return re.sub(r"[^\w]+", "_", title, flags=re.UNICODE).strip("_")[:60] or "article"


def article_text(title: str, paragraphs: list[str]) -> tuple[str, list[int]]:
    """The document for one article and each paragraph's offset in it."""
    parts, offsets, pos = [title.replace("_", " ").strip()], [], 0
    pos = len(parts[0]) + 2
    for para in paragraphs:
        offsets.append(pos)
        parts.append(para)
        pos += len(para) + 2
    return "\n\n".join(parts), offsets


def _locate(clean: str, para: str, hint: int) -> tuple[int, str] | None:
    """(offset, cleaned paragraph) of `para` inside the cleaned document, searching from `hint`."""
    for candidate in (para, repair_text(para), repair_text(para).strip(),
                      "\n".join(ln.rstrip() for ln in repair_text(para).split("\n")).strip()):
        at = clean.find(candidate, hint)
        if at < 0:
            at = clean.find(candidate)
        if at >= 0:
            return at, candidate
    return None


def _map_answer(clean_para: str, para: str, text: str, start: int) -> tuple[int, int, str] | None:
    """(start, end, expected text) of one gold answer inside the cleaned paragraph."""
    if clean_para == para and para[start:start + len(text)] == text:
        return start, start + len(text), text
    # Cleaning changed the paragraph: map the prefix through the same cleaning, then look
    # for the answer (raw, or as cleaning renders it) at or nearest to that position.
    guess = len(repair_text(para[:start])) if start else 0
    for target in (text, repair_text(text), repair_text(text).strip()):
        hits = [m.start() for m in re.finditer(re.escape(target), clean_para)] if target else []
        if hits:
            best = min(hits, key=lambda h: abs(h - guess))
            return best, best + len(target), target
    return None


def _units(data: list[dict], per_paragraph: bool):
    """(document name, raw text, its paragraph objects): one document per article (its
    title, then its paragraphs), or with `per_paragraph` one per paragraph (its text alone:
    MLQA's paragraphs come from many Wikipedia articles under one title)."""
    for number, article in enumerate(data):
        if not per_paragraph:
            raw, _ = article_text(article["title"], [p["context"] for p in article["paragraphs"]])
            yield f"{number:03d}_{_slug(article['title'])}.txt", raw, article["paragraphs"]
            continue
        for i, para in enumerate(article["paragraphs"]):
            yield f"{number:03d}_{i:04d}_{_slug(para['context'][:40])}.txt", para["context"], [para]


def load_squad(path: Path, limit: int | None = None, per_paragraph: bool = False) -> SquadSet:
    """Read a SQuAD v1.1 file; map every gold answer into the cleaned document text.
    `per_paragraph`: each paragraph is a document of its own (MLQA), else each article."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    out = SquadSet(documents={})
    for source, raw, para_objs in _units(data, per_paragraph):
        out.documents[source] = raw
        doc = parse_document(source, raw.encode("utf-8"))
        clean = doc.text if doc else ""
        hint = 0
        for para_obj in para_objs:
            para = para_obj["context"]
            located = _locate(clean, para, hint)
            if located is not None:
                hint = located[0] + len(located[1])
            for qa in para_obj["qas"]:
                golds = tuple(a["text"] for a in qa["answers"])
                spans = []
                for ans in qa["answers"]:
                    mapped = None
                    if located is not None:
                        mapped = _map_answer(located[1], para, ans["text"], ans["answer_start"])
                    if mapped is None:
                        out.unmappable.append({"id": qa["id"], "answer": ans["text"], "source": source})
                        continue
                    s, e, expected = mapped
                    s, e = s + located[0], e + located[0]
                    if clean[s:e] != expected:  # cannot happen unless the mapping is wrong
                        out.unmappable.append({"id": qa["id"], "answer": ans["text"], "source": source})
                        continue
                    out.altered += int(expected != ans["text"])
                    spans.append((s, e))
                out.questions.append(Question(qa["id"], qa["question"], golds, source,
                                              tuple(dict.fromkeys(spans))))
    if limit:
        out.questions = out.questions[:limit]
    return out


def write_documents(squad: SquadSet, directory: Path) -> None:
    """Make `directory` hold exactly the set's documents (files whose text is already
    right are left alone, so an index over it is not re-read; sub-folders are not
    touched: near-miss variants live there)."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        if path.is_file() and path.name not in squad.documents:
            path.unlink()
    for source, text in squad.documents.items():
        target = directory / source
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")

"""The extractive reader's fit data: questions, made into examples as at answer time.

Examples are (question part, candidate sentence) pairs, made exactly as at answer time:
the question is analysed, retrieved (top k), cut into candidate sentences and featurised by
the reader itself. Only fit data is used, never a test split:
- XQuAD-de, the fit half of its articles (`xquad_split`): every question once against the
  whole XQuAD corpus (its gold sentence is the positive) and once with its own article
  filtered out of the search (a plausible unanswerable: every candidate is negative);
- the dev split of each eval set, over that set's corpus, and MLQA part 1's dev half;
- near misses (`<group>-nearmiss`, see nearmiss.py): each answerable fit question again,
  with the sentences holding its answer cut from its document and the rest indexed (every
  candidate is negative), the hard kind of unanswerable that real questions are.

Collecting is the slow part (a search and a featurisation per question); `save_examples`
keeps the result so that variants can be compared by `cross_validate`
(rag/evaluation/reader_training.py) in seconds.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from rag.answer.analysis import analyze_question
from rag.answer.reader.candidates import Candidate, candidates
from rag.answer.reader.features import FEATURES, sentence_features
from rag.core.errors import InputError
from rag.evaluation.metrics import answer_match
from rag.evaluation.raw_examples import featurise, raw_example
from rag.index.filters import SearchFilter
from rag.retrieval.retriever import Retriever


@dataclass(frozen=True)
class TrainQuestion:
    qid: str
    text: str
    group: str  # where it comes from: "xquad", "xquad-removed", "seeds-dev", ...
    is_gold: Callable[[Candidate], bool] | None  # None: unanswerable by construction
    exclude: frozenset[str] = frozenset()  # sources filtered out of the search


@dataclass
class Example:
    """One question part's candidates: FEATURES rows and gold labels."""

    qid: str
    group: str
    expected: str | None
    language: str
    x: np.ndarray
    y: np.ndarray  # bool per candidate
    # What the features were computed from (`rag.evaluation.raw_examples`): the question, its
    # candidates, their cosines and the idf of its terms, so that other features can be
    # computed later without searching and embedding again. None for synthetic examples.
    raw: dict | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.y.any())


def xquad_split(titles: Iterable[str], seed: int = 20261202) -> dict[str, str]:
    """Each XQuAD article's split: half of them "fit", the rest "report" (held out)."""
    ordered = sorted(set(titles))
    random.Random(seed).shuffle(ordered)
    half = len(ordered) // 2
    return {title: ("fit" if i < half else "report") for i, title in enumerate(ordered)}


def span_gold(spans: tuple[tuple[int, int], ...], source: str) -> Callable[[Candidate], bool]:
    """A candidate is gold when it holds one of the answer spans (document offsets)."""
    return lambda c: c.source == source and any(c.start <= s and e <= c.end for s, e in spans)


def item_gold(item: dict) -> Callable[[Candidate], bool] | None:
    """A candidate is gold when it holds the eval item's answer and comes from a gold source."""
    if item["type"] == "unanswerable":
        return None
    sources = set(item["sources"])
    return lambda c: c.source in sources and answer_match(item, " ".join(c.with_antecedent()))


def collect(assistant, questions: Iterable[TrainQuestion], k: int,
            progress: Callable[[int], None] | None = None) -> list[Example]:
    """Featurise each question's retrieved candidates as the reader sees them. Compound
    questions are skipped: which part a gold answer belongs to is not labelled."""
    retriever = Retriever(assistant.index(), assistant.embedder, assistant.settings.retrieval)
    reader = assistant.reader
    out = []
    for n, q in enumerate(questions, start=1):
        analysis = analyze_question(q.text)
        if not analysis.compound:
            hits = retriever.search_question(analysis, k=k, where=SearchFilter(exclude_sources=q.exclude))
            cands = candidates(hits)
            if cands:
                cos = reader.cosines(analysis.whole.text, [c.text for c in cands])
                x = sentence_features(analysis.whole, cands, analysis.language, reader.idf, cos,
                                      reader.settings.related_credit)
                y = np.array([bool(q.is_gold and q.is_gold(c)) for c in cands])
                out.append(Example(q.qid, q.group, analysis.whole.expected, analysis.language, x, y,
                                   raw_example(q.text, cands, cos, reader.idf, analysis)))
        if progress:
            progress(n)
    return out


def save_examples(path: Path, examples: list[Example], meta: dict) -> None:
    """The collected examples as plain arrays (npz, no pickle) and a JSON header; the raw
    material of each (`raw_examples`) as JSON beside them."""
    header = {"features": list(FEATURES), **meta,
              "examples": [{"qid": e.qid, "group": e.group, "expected": e.expected, "language": e.language,
                            "rows": int(len(e.y))} for e in examples]}
    raws = json.dumps([e.raw for e in examples], ensure_ascii=False)
    np.savez_compressed(Path(path), x=np.vstack([e.x for e in examples]), y=np.concatenate([e.y for e in examples]),
                        header=np.array(json.dumps(header, ensure_ascii=False)), raw=np.array(raws))


def load_examples(path: Path) -> tuple[list[Example], dict]:
    """Examples written by `save_examples`, and its header. Examples of other features are
    computed again from their raw material, or refused when they have none."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            x, y = data["x"], data["y"]
            raws = json.loads(str(data["raw"])) if "raw" in data else None
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"Cannot read saved examples {path}: {exc}. Write them with --save-examples.") from None
    same = tuple(header["features"]) == FEATURES
    if not same and (raws is None or None in raws):
        raise InputError(f"{path} holds other features than this reader's: collect again (drop --from-examples)")
    out, start = [], 0
    for n, item in enumerate(header.pop("examples")):
        end = start + item["rows"]
        raw = raws[n] if raws else None
        rows = x[start:end] if same else featurise(raw)[2]
        out.append(Example(item["qid"], item["group"], item["expected"], item["language"], rows, y[start:end], raw))
        start = end
    header["features"] = list(FEATURES)
    return out, header

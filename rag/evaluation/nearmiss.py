"""Near-miss negatives, SQuAD 2.0 style: an answerable question asked again of its
article(s) with the sentences that hold its gold answer removed and the rest still indexed.
The topic is there, the fact is not, so the right answer is a refusal.

Everything here is pure (text in, text out), so `rag eval` and `rag train-reader` make the
same near misses; `nearmiss_corpus` indexes them.

- `make_variant(doc, spans)`: the document without the sentences overlapping `spans`.
- `answer_spans(text, answers, patterns)`: where an item's gold answer stands (eval items
  carry no offsets): every occurrence of a gold string or pattern. Removing the sentences
  holding any of them removes every sentence the scorer would credit.
- `near_misses(questions, documents)`: one `NearMiss` per answerable question whose answer
  stands nowhere else in what it can search (the other documents and its variants); the
  others are not clean near misses and are returned, with why, to be counted.
- `plan_rounds(near_misses)`: groups of near misses whose variants can share one index
  (at most one variant per document; see nearmiss_corpus for why).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rag.core.types import Document
from rag.evaluation.metrics import contains_answer, normalize_answer
from rag.text.sentences import sentence_spans

VARIANT_DIR = "nearmiss"  # variants live in this sub-folder of a corpus's documents
SUFFIX = "-nearmiss"  # a near miss's id: its answerable question's id + this

Span = tuple[int, int]


@dataclass(frozen=True)
class Variant:
    """A document without the sentences that hold one question's gold answer."""

    source: str  # the original document
    name: str  # the variant's document name: nearmiss/<source>~<digest of what was cut>.txt
    text: str  # the original's text without those sentences
    removed: tuple[Span, ...]  # the cut sentences' spans, offsets into the original's text
    title: str | None  # None: the original's title stood in a cut sentence
    date: str | None = None
    date_source: str | None = None
    url: str | None = None

    def file_text(self) -> str:
        """The variant as a document file: front matter keeps the original's title and
        date (a sentence cut from the text must not change what the document is about or
        when it was written), then the text."""
        from rag.ingest.formats.text import render_front_matter

        meta = {"title": self.title, "date": self.date, "date_source": self.date_source if self.date else None,
                "url": self.url}
        return render_front_matter(meta) + self.text + "\n"


@dataclass(frozen=True)
class GoldQuestion:
    """An answerable question as a near miss needs it. `spans` (SQuAD sets): the gold
    offsets in the cleaned text of `sources[0]`; None (eval items): every sentence of every
    source that holds a gold string or pattern."""

    qid: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    spans: tuple[Span, ...] | None = None
    patterns: tuple[str, ...] = ()
    split: str | None = None

    @classmethod
    def from_item(cls, item: Mapping) -> "GoldQuestion":
        """An eval item (evals/questions.jsonl schema); unanswerable items have no near miss."""
        return cls(item["id"], item["question"], tuple(item["answers"]), tuple(item["sources"]),
                   None, tuple(item.get("answer_patterns") or ()), item.get("split", "test"))


@dataclass(frozen=True)
class NearMiss:
    """An answerable question asked of its sources' variants: it should be refused."""

    qid: str  # base + SUFFIX
    base: str  # the answerable question's id
    question: str
    variants: tuple[Variant, ...]  # one per gold source that holds the answer
    split: str | None = None

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(v.source for v in self.variants)


def sentences_holding(text: str, spans: Iterable[Span]) -> tuple[Span, ...]:
    """The sentence spans of `text` that overlap any of `spans` (a span across a sentence
    boundary takes both sentences), in order."""
    spans = [(s, e) for s, e in spans if e > s]
    return tuple((s, e) for s, e in sentence_spans(text)
                 if any(s < ge and gs < e for gs, ge in spans))


def cut(text: str, spans: Sequence[Span]) -> str:
    """`text` without `spans` and the blanks after each, so "A. B. C." less B is "A. C.";
    a line left empty goes with it."""
    out, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:  # overlapping spans: cut from where the last cut ended
            s = pos
        while e < len(text) and text[e] in " \t":
            e += 1
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    lines = [ln.rstrip() for ln in "".join(out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _safe(source: str) -> str:
    return re.sub(r"[^\w.-]+", "_", source, flags=re.UNICODE).strip("_")[:80] or "document"


def make_variant(doc: Document, spans: Iterable[Span]) -> Variant | None:
    """`doc` without the sentences holding `spans` (offsets into `doc.text`); None when
    no sentence holds them. The name is derived from the source and what was cut, so two
    questions answered by the same sentence share a variant."""
    removed = sentences_holding(doc.text, spans)
    if not removed:
        return None
    digest = hashlib.sha256(repr((doc.source, doc.content_hash, removed)).encode()).hexdigest()[:12]
    # A title taken from a cut sentence (a headline, or an untitled paragraph's first
    # sentence) goes with it: the variant's title is then derived from what is left.
    title = doc.title.rstrip(" …")
    keep_title = not any(title and title in doc.text[s:e] for s, e in removed)
    return Variant(doc.source, f"{VARIANT_DIR}/{_safe(doc.source)}~{digest}.txt", cut(doc.text, removed),
                   removed, doc.title if keep_title else None, doc.date, doc.date_source, doc.url)


def answer_spans(text: str, answers: Iterable[str], patterns: Iterable[str] = ()) -> tuple[Span, ...]:
    """Every place in `text` where a gold string stands as `metrics.contains_answer` reads
    it (case, punctuation and thousands separators ignored) or a pattern matches
    (case-insensitive), as offsets into `text`."""
    out: list[Span] = []
    for answer in answers:
        out.extend(_fuzzy_find(text, answer))
    for pattern in patterns:
        out.extend(m.span() for m in re.finditer(pattern, text, re.IGNORECASE) if m.end() > m.start())
    return tuple(sorted(set(out)))


def _fuzzy_find(text: str, answer: str) -> list[Span]:
    """The sentences of `text` in which `answer` stands under `normalize_answer` (a gold
    string across a sentence boundary is not found: such a question gets no near miss)."""
    if not normalize_answer(answer):
        return []
    return [(s, e) for s, e in sentence_spans(text) if contains_answer(normalize_answer(text[s:e]), answer)]


def stands_in(text: str, answers: Iterable[str], patterns: Iterable[str] = ()) -> bool:
    """Does a gold string (as the scorer matches it) or pattern stand anywhere in `text`?"""
    norm = normalize_answer(text)
    return any(contains_answer(norm, a) for a in answers) or any(
        re.search(p, text, re.IGNORECASE) for p in patterns)


def _searchable(doc: Document) -> str:
    return f"{doc.title}\n{doc.text}"


def near_misses(questions: Iterable[GoldQuestion], documents: Mapping[str, Document]
                ) -> tuple[list[NearMiss], dict[str, str]]:
    """(the clean near misses, {question id: why it has none, as "<kind>: <detail>"}).

    Each gold source that holds the answer is replaced by its variant; one that does not
    (a question about now lists the older source too) stays. A question has none when a
    gold source is missing, no sentence holds its answer, or its
    answer still stands in what the near miss can search: its variants (the answer stood in
    another sentence too) or any other document of the corpus (checked the way the scorer
    matches answers; a question whose answer stands elsewhere is answerable, not a near miss)."""
    normalised = {source: normalize_answer(_searchable(doc)) for source, doc in documents.items()}
    out: list[NearMiss] = []
    excluded: dict[str, str] = {}
    for q in questions:
        if not q.sources or not (q.answers or q.patterns):
            excluded[q.qid] = "unanswerable: no gold answer"
            continue
        missing = [s for s in q.sources if s not in documents]
        if missing:
            excluded[q.qid] = f"gold source not in the corpus: {missing[0]}"
            continue
        variants = []
        for source in q.sources:
            doc = documents[source]
            spans = q.spans if q.spans is not None else answer_spans(doc.text, q.answers, q.patterns)
            variant = make_variant(doc, spans)
            if variant is not None:
                variants.append(variant)
        # A gold source without the answer (a question about now lists the older source
        # too) stays as it is; the check below then finds nothing in it.
        if not variants:
            excluded[q.qid] = "no answer sentence: no sentence of a gold source holds the answer"
            continue
        cut_sources = {v.source for v in variants}
        own = next((v.source for v in variants if stands_in(f"{v.title or ''}\n{v.text}", q.answers, q.patterns)),
                   None)
        if own is not None:
            excluded[q.qid] = f"answer in another sentence: {own}"
            continue
        elsewhere = next((source for source, norm in normalised.items() if source not in cut_sources and (
            any(contains_answer(norm, a) for a in q.answers)
            or any(re.search(p, _searchable(documents[source]), re.IGNORECASE) for p in q.patterns))), None)
        if elsewhere is not None:
            excluded[q.qid] = f"answer in another document: {elsewhere}"
            continue
        out.append(NearMiss(q.qid + SUFFIX, q.qid, q.question, tuple(variants), q.split))
    return out, excluded


def plan_rounds(near_misses: Iterable[NearMiss]) -> list[list[NearMiss]]:
    """Near misses grouped so that each group holds at most one variant of any document
    (first fit, in order); near misses that share a variant share a group when they can."""
    rounds: list[tuple[dict[str, str], list[NearMiss]]] = []
    for nm in near_misses:
        for taken, members in rounds:
            if all(taken.get(v.source, v.name) == v.name for v in nm.variants):
                break
        else:
            taken, members = {}, []
            rounds.append((taken, members))
        taken.update({v.source: v.name for v in nm.variants})
        members.append(nm)
    return [members for _, members in rounds]


def round_filter_sources(nm: NearMiss, members: Iterable[NearMiss]) -> frozenset[str]:
    """What the search must leave out for `nm` in its round: its originals and every other
    variant of the round, so it sees the corpus with only its own answer sentences cut."""
    own = {v.name for v in nm.variants}
    others = {v.name for m in members for v in m.variants} - own
    return frozenset(nm.sources | others)

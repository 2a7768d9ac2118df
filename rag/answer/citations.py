"""Turn an answer with [n] markers into verified citations (after RAGFlow: works with any LLM).

For every answer sentence: each cited passage must support the sentence (lexical coverage of
its stemmed words, or embedding similarity for paraphrase and cross-lingual answers); an
unsupported marker, or one outside 1..n, is re-pointed to the passage that does support it,
or dropped; an unmarked sentence that clearly rests on one passage gets its
marker; an unsupported remark about the passages ("Dies wird in der Passage beschrieben.")
is dropped, and so is a sentence whose markers all failed, or an unmarked one of four or
more words that no passage supports. Markers are renumbered 1..m in order of appearance and
only cited sources are kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from rag.answer.prompting import is_refusal_text, refusal
from rag.answer.support import SupportScorer
from rag.core.types import Answer, Citation, Hit
from rag.text.lexicon import ANSWER_LEAD, SOURCE_WORDS
from rag.text.sentences import sentence_spans
from rag.text.terms import tokenize

log = logging.getLogger(__name__)
__all__ = ["Grounded", "MARKER_GROUP", "SupportScorer", "ground_answer", "verified_answer"]

MARKER_GROUP = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_MARKERS_AFTER_PUNCT = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")
# "Dies wird in der Passage beschrieben." Small models remark on where they read something;
# such a sentence says nothing about the question (see _is_remark).
_ABOUT_THE_PASSAGES = re.compile(
    r"^(dies\w*|das|die|der|this|that|these|it|the)\b[^0-9]*" + SOURCE_WORDS.pattern + r"[^0-9]*$",
    re.IGNORECASE)


@dataclass
class Grounded:
    text: str
    citations: tuple[Citation, ...]
    notices: tuple[str, ...]


def ground_answer(text: str, hits: list[Hit] | tuple[Hit, ...], scorer: SupportScorer) -> Grounded:
    """Verify and renumber the [n] markers of `text` against `hits` ([1] is hits[0])."""
    settings = scorer.settings
    min_support, attach_support, margin = settings.min_support, settings.attach_support, settings.repoint_margin
    text = _MARKERS_AFTER_PUNCT.sub(lambda m: m.group(2) + m.group(1), text.strip())
    notices: list[str] = []
    renumber: dict[int, int] = {}  # passage index (0-based) -> shown number
    found: dict[int, Citation] = {}
    # Every span that supports a kept claim, per passage: several claims may cite one passage.
    supporting: dict[int, set[tuple[int, int]]] = {}
    pieces: list[str] = []
    cursor = 0
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        claim = MARKER_GROUP.sub("", sentence).strip()
        # A lead ("According to the documents:") frames the claim; it is not one.
        lead_match = ANSWER_LEAD.match(claim)
        lead = lead_match.group(1) if lead_match else ""
        claim = claim[lead_match.end():].strip() if lead_match else claim
        cited = [int(n) for g in MARKER_GROUP.findall(sentence) for n in re.split(r"[,;]", g)]
        if _is_remark(claim, hits, scorer):
            notices.append(_dropped(claim, "it is about the passages, not the question"))
            cursor = end  # with the space before it
            continue
        kept: list[int] = []
        # A claim that is word for word a sentence of every passage it cites needs no survey:
        # that sentence supports it fully, and nothing another passage says can lower that.
        verbatim = bool(cited) and all(1 <= n <= len(hits) and scorer.verbatim_span(claim, hits[n - 1].chunk)
                                       for n in cited)
        if (cited or len(claim.split()) >= 4) and not verbatim:
            scorer.survey(claim, [h.chunk for h in hits])
        for n in cited:
            # Small models number by habit ("[2]" with one passage shown): a marker outside
            # 1..n still says the claim rests on a passage, so it is handled like a wrong one.
            exists = 1 <= n <= len(hits)
            support, span = scorer.best_span(claim, hits[n - 1].chunk) if exists else (0.0, None)
            alt = None
            if exists and support < 1.0 - margin:
                # On-topic passages all look somewhat similar to a claim, so "supported" is not
                # enough: a passage that supports it clearly better takes the citation.
                alt = _best_passage(claim, hits, scorer)
                if alt and alt[0] != n - 1 and alt[1] >= max(min_support, support + margin):
                    kept.append(alt[0])
                    _remember(found, supporting, alt[0], hits, alt[2], claim, alt[1], scorer)
                    notices.append(f"Citation [{n}] fit “{claim[:60]}” poorly; pointed it to the passage that supports it.")
                    continue
            if exists and support >= min_support:
                kept.append(n - 1)
                _remember(found, supporting, n - 1, hits, span, claim, support, scorer)
                continue
            alt = alt or _best_passage(claim, hits, scorer)
            # The notice names why, never the claim itself: a small model's sentence may echo
            # the prompt (the dropped text goes to the debug log).
            why = f"there is no passage {n}" if not exists else f"passage {n} does not support its sentence"
            if exists and claim in scorer.reasons:
                why += f" ({scorer.reasons[claim]})"
            if alt and alt[1] >= min_support:
                kept.append(alt[0])
                _remember(found, supporting, alt[0], hits, alt[2], claim, alt[1], scorer)
                notices.append(f"Citation [{n}]: {why}; pointed it to the passage that does.")
            else:
                notices.append(f"Removed citation [{n}]: {why}.")
        if cited and not kept:
            # Every marker failed: the claim stands on nothing, so it is not shown as an answer.
            notices.append(_dropped(claim, "no passage supports it"))
            cursor = end
            continue
        if not cited and len(claim.split()) >= 4:
            alt = _best_passage(claim, hits, scorer)
            if alt and alt[1] >= attach_support:
                kept.append(alt[0])
                _remember(found, supporting, alt[0], hits, alt[2], claim, alt[1], scorer)
            elif not alt or alt[1] < min_support:
                # An unmarked claim no passage supports is the model's own: Qwen 1.5B added
                # "Diese Verlängerung wurde am 2026-12-03 bekannt." (the prompt's date). One
                # between min_support and attach_support stays, unmarked: dropping those too
                # cost 2 correct answers of 44 on the seeds dev split with --llm local (and
                # removed one false one).
                notices.append(_dropped(claim, "no passage supports it"))
                cursor = end
                continue
        markers = ""
        for idx in dict.fromkeys(kept):
            renumber.setdefault(idx, len(renumber) + 1)
            markers += f"[{renumber[idx]}]"
        body = claim
        if markers:
            tail = body[-1] if body and body[-1] in ".!?" else ""
            body = (body[:-1] if tail else body).rstrip() + " " + markers + tail
        pieces.append(text[cursor:start] + (f"{lead} " if lead else "") + body)
        cursor = end
    pieces.append(text[cursor:])
    citations = tuple(
        Citation(n=renumber[idx], **_as_fields(found[idx]), spans=tuple(sorted(supporting[idx])))
        for idx in sorted(renumber, key=renumber.get)
    )
    return Grounded("".join(pieces).strip(), citations, tuple(notices))


def _dropped(claim: str, why: str) -> str:
    """The notice for a sentence left out of the answer. It never quotes the sentence: a
    dropped sentence is unverified, and a small model's may echo the prompt (Qwen 1.5B wrote
    "Dies ist der Quellenangabe.", from the reminder to cite, which a quoting notice showed)."""
    log.debug("dropped %r: %s", claim, why)
    return f"Dropped a sentence of the reply: {why}."


def _is_remark(claim: str, hits, scorer: SupportScorer) -> bool:
    """A short sentence that opens with "Dies/Die/This", names the passages or sources and
    carries no number, and whose other words no passage clearly supports (the bar for
    attaching a marker to an unmarked sentence). The source words themselves are left out
    of that check: "Quelle" matches any article that cites "Quellen", and in a remark of a
    few words one common word ("steht") already covers half of it."""
    if len(claim.split()) > scorer.settings.max_remark_words or not _ABOUT_THE_PASSAGES.match(claim):
        return False
    rest = SOURCE_WORDS.sub(" ", claim)
    if len(set(tokenize(rest))) < 2:
        return True
    best = _best_passage(rest, hits, scorer)
    return not best or best[1] < scorer.settings.attach_support


def _best_passage(claim: str, hits, scorer: SupportScorer):
    best = None
    for i, hit in enumerate(hits):
        support, span = scorer.best_span(claim, hit.chunk)
        if best is None or support > best[1]:
            best = (i, support, span)
        if best[1] >= 1.0:
            # Full support (the most there is) wins over any later passage, so their sentences
            # need not be embedded: that was 1.6 s a call on the seeds, ~25 e5 encodes.
            break
    return best


def _remember(found: dict, supporting: dict, idx: int, hits, span: tuple[int, int], claim: str,
              support: float, scorer: SupportScorer) -> None:
    # Linked sentences that support the claim together are each a span of the citation.
    parts = scorer.parts.get((claim, hits[idx].chunk.chunk_id), ())
    inside = [tuple(p) for p in parts if span[0] <= p[0] and p[1] <= span[1]]
    supporting.setdefault(idx, set()).update(inside or [tuple(span)])
    if idx in found and found[idx].support >= support:
        return
    chunk = hits[idx].chunk
    s, e = span
    found[idx] = Citation(n=0, chunk=chunk, start=s, end=e, text=chunk.text[s - chunk.start:e - chunk.start],
                          sentence=claim, support=round(support, 3))


def _as_fields(c: Citation) -> dict:
    return {"chunk": c.chunk, "start": c.start, "end": c.end, "text": c.text,
            "sentence": c.sentence, "support": c.support}


def verified_answer(question: str, standalone: str, raw: str, hits: tuple[Hit, ...], language: str,
                    backend: str, notices: list[str], scorer: SupportScorer) -> Answer:
    """The final `Answer` for a backend's raw text: citations verified by `ground_answer`;
    a refusal, or an answer left with no verified citation, becomes the refusal text."""
    refused = not raw or is_refusal_text(raw)
    citations: tuple = ()
    text = raw
    if not refused:
        grounded = ground_answer(raw, hits, scorer)
        notices = notices + list(grounded.notices)
        text, citations = grounded.text, grounded.citations
        if not citations:
            # An answer we cannot tie to any passage may come from model memory: refuse.
            notices.append("The answer could not be verified against the documents, so it is withheld.")
            refused = True
    if refused:
        text, citations = refusal(language), ()
    return Answer(
        question=question, text=text, refused=refused, citations=citations, hits=hits,
        backend=backend, standalone_question=standalone if standalone != question else None,
        notices=tuple(notices),
    )

"""The near-miss variant (pure): an article without the sentences that hold a question's
gold answer, which questions get a clean one, and how variants share an index."""

from __future__ import annotations

from rag.core.types import Document
from rag.evaluation.nearmiss import (
    GoldQuestion, NearMiss, answer_spans, cut, make_variant, near_misses, plan_rounds,
    round_filter_sources, sentences_holding,
)
from rag.ingest.documents import parse_document

LIGHTHOUSE = ("Der Leuchtturm von Kalmarsund\n\n"
              "Der Leuchtturm wurde im Jahr 1872 aus rotem Granit errichtet. "
              "Sein Licht reicht zweiundzwanzig Seemeilen weit. "
              "Der letzte Wärter verließ die Insel im Winter 1961.\n\n"
              "Heute gehört das Gebäude einem Museumsverein mit 10.000 Mitgliedern.")
CHEESE = ("Die Käserei Oberried\n\n"
          "Die Käserei stellt seit 1930 einen würzigen Bergkäse her. "
          "Ein Laib reift vierzehn Monate in einem Felsenkeller.")


def doc(source: str, text: str, date: str | None = "2024-05", date_source: str | None = "user") -> Document:
    title = text.split("\n", 1)[0]
    return Document(doc_id=source, source=source, title=title, date=date, text=text,
                    content_hash="h-" + source, date_source=date_source)


def test_the_variant_cuts_exactly_the_sentence_holding_the_answer():
    original = doc("turm.txt", LIGHTHOUSE)
    at = LIGHTHOUSE.index("zweiundzwanzig Seemeilen")
    variant = make_variant(original, [(at, at + len("zweiundzwanzig Seemeilen"))])
    assert variant is not None and variant.source == "turm.txt"
    assert "Seemeilen" not in variant.text
    assert ("Der Leuchtturm wurde im Jahr 1872 aus rotem Granit errichtet. "
            "Der letzte Wärter verließ die Insel im Winter 1961.") in variant.text
    assert variant.text.startswith("Der Leuchtturm von Kalmarsund\n\n")
    assert variant.text.endswith("mit 10.000 Mitgliedern.")
    (s, e), = variant.removed
    assert LIGHTHOUSE[s:e] == "Sein Licht reicht zweiundzwanzig Seemeilen weit."
    assert variant.name.startswith("nearmiss/turm.txt~") and variant.name.endswith(".txt")
    # Pure: the same input gives the same variant, and the document is unchanged.
    assert make_variant(original, [(at, at + 5)]) == variant and original.text == LIGHTHOUSE


def test_a_span_across_a_sentence_boundary_takes_both_sentences():
    start = LIGHTHOUSE.index("errichtet.")
    end = LIGHTHOUSE.index("Sein Licht") + 4
    removed = sentences_holding(LIGHTHOUSE, [(start, end)])
    assert [LIGHTHOUSE[s:e][:10] for s, e in removed] == ["Der Leucht", "Sein Licht"]
    assert make_variant(doc("t.txt", LIGHTHOUSE), [(start, end)]).text.count(".") == 3  # title + 2 + 10.000 + 1961.


def test_no_sentence_no_variant_and_variants_are_named_by_what_was_cut():
    d = doc("turm.txt", LIGHTHOUSE)
    assert make_variant(d, []) is None and make_variant(d, [(5, 5)]) is None
    a = LIGHTHOUSE.index("1872")
    b = LIGHTHOUSE.index("rotem Granit")  # the same sentence: the same variant
    c = LIGHTHOUSE.index("1961")
    assert make_variant(d, [(a, a + 4)]).name == make_variant(d, [(b, b + 5)]).name
    assert make_variant(d, [(a, a + 4)]).name != make_variant(d, [(c, c + 4)]).name


def test_cut_leaves_no_empty_lines_or_double_blanks():
    text = "Titel eins zwei\n\nA eins. B zwei. C drei.\n\nD vier.\n\nE fünf."
    d_start = text.index("D vier.")
    assert cut(text, [(d_start, d_start + 7)]) == "Titel eins zwei\n\nA eins. B zwei. C drei.\n\nE fünf."
    b_start = text.index("B zwei.")
    assert cut(text, [(b_start, b_start + 7)]) == "Titel eins zwei\n\nA eins. C drei.\n\nD vier.\n\nE fünf."


def test_the_variant_file_reads_back_with_the_originals_title_and_date():
    at = LIGHTHOUSE.index("1961")
    variant = make_variant(doc("turm.txt", LIGHTHOUSE, "2023-01", "marker"), [(at, at + 4)])
    parsed = parse_document(variant.name, variant.file_text().encode("utf-8"))
    assert parsed.title == "Der Leuchtturm von Kalmarsund"
    assert (parsed.date, parsed.date_source) == ("2023-01", "marker")
    assert parsed.text == variant.text and "1961" not in parsed.text


def test_answer_spans_match_as_the_scorer_does():
    spans = answer_spans(LIGHTHOUSE, ["10000 mitgliedern"])  # thousands separator, case
    assert [LIGHTHOUSE[s:e] for s, e in spans] == ["Heute gehört das Gebäude einem Museumsverein mit 10.000 Mitgliedern."]
    (s, e), = answer_spans(LIGHTHOUSE, [], [r"\b18\d\d\b"])
    assert LIGHTHOUSE[s:e] == "1872"
    assert answer_spans(LIGHTHOUSE, ["187"]) == ()  # "187" does not match inside "1872"


def test_only_clean_near_misses_are_kept_and_the_others_counted():
    docs = {"turm.txt": doc("turm.txt", LIGHTHOUSE), "kaese.txt": doc("kaese.txt", CHEESE)}
    questions = [
        GoldQuestion("q-licht", "Wie weit reicht das Licht?", ("zweiundzwanzig Seemeilen",), ("turm.txt",)),
        # "1930" stands only in the cheese article: clean.
        GoldQuestion("q-seit", "Seit wann gibt es die Käserei?", ("1930",), ("kaese.txt",), split="dev"),
        # SQuAD style, one gold span: "Leuchtturm" also stands in the title and another sentence.
        GoldQuestion("q-turm", "Was wurde 1872 errichtet?", ("Leuchtturm",), ("turm.txt",),
                     spans=((LIGHTHOUSE.index("Leuchtturm wurde"), LIGHTHOUSE.index("Leuchtturm wurde") + 10),)),
        # An eval item has no span: every sentence holding "Käserei" goes, the title line too.
        GoldQuestion("q-wer", "Wer stellt Bergkäse her?", ("Käserei",), ("kaese.txt",)),
        GoldQuestion("q-none", "Wie alt ist der Wärter?", (), ()),
        GoldQuestion("q-gone", "Wer?", ("x",), ("fehlt.txt",)),
        GoldQuestion("q-absent", "Wie hoch?", ("achtzig Meter",), ("turm.txt",)),
    ]
    kept, excluded = near_misses(questions, docs)
    assert [nm.qid for nm in kept] == ["q-licht-nearmiss", "q-seit-nearmiss", "q-wer-nearmiss"]
    assert kept[1].split == "dev" and kept[1].base == "q-seit" and kept[1].sources == {"kaese.txt"}
    assert "1930" not in kept[1].variants[0].text and "Felsenkeller" in kept[1].variants[0].text
    (wer,) = kept[2].variants
    assert wer.text == "Ein Laib reift vierzehn Monate in einem Felsenkeller." and wer.title is None
    assert set(excluded) == {"q-turm", "q-none", "q-gone", "q-absent"}
    assert excluded["q-turm"] == "answer in another sentence: turm.txt" and "unanswerable" in excluded["q-none"]
    assert "not in the corpus" in excluded["q-gone"] and excluded["q-absent"].startswith("no answer sentence:")


def test_an_answer_in_another_document_is_not_a_near_miss():
    docs = {"turm.txt": doc("turm.txt", LIGHTHOUSE),
            "chronik.txt": doc("chronik.txt", "Chronik der Insel\n\nIm Winter 1961 ging der Wärter.")}
    q = GoldQuestion("q", "Wann ging der Wärter?", ("1961",), ("turm.txt",))
    kept, excluded = near_misses([q], docs)
    assert not kept and excluded == {"q": "answer in another document: chronik.txt"}
    # With both articles as gold sources, both lose the sentence: a clean near miss.
    kept, _ = near_misses([GoldQuestion("q", "Wann?", ("1961",), ("turm.txt", "chronik.txt"))], docs)
    assert len(kept) == 1 and {v.source for v in kept[0].variants} == {"turm.txt", "chronik.txt"}


def _nm(qid: str, *variants: tuple[str, str]) -> NearMiss:
    from rag.evaluation.nearmiss import Variant

    return NearMiss(qid, qid, "?", tuple(Variant(s, n, "t", ((0, 1),), "T") for s, n in variants))


def test_rounds_hold_one_variant_per_document():
    a1, a2, b1 = ("a.txt", "nearmiss/a~1"), ("a.txt", "nearmiss/a~2"), ("b.txt", "nearmiss/b~1")
    items = [_nm("x", a1), _nm("y", a2), _nm("z", b1), _nm("w", a1), _nm("v", a2, b1)]
    rounds = plan_rounds(items)
    assert [[nm.qid for nm in r] for r in rounds] == [["x", "z", "w"], ["y", "v"]]
    for members in rounds:
        names = {}
        for nm in members:
            for v in nm.variants:
                assert names.setdefault(v.source, v.name) == v.name
    # In its round, "x" sees its own variant, not its original nor the other variants.
    assert round_filter_sources(items[0], rounds[0]) == {"a.txt", "nearmiss/b~1"}
    assert round_filter_sources(items[3], rounds[0]) == {"a.txt", "nearmiss/b~1"}


def test_a_title_taken_from_a_cut_sentence_goes_with_it():
    paragraph = "Anton Brekke war der letzte Wärter des Turms. Er verließ die Insel im Winter 1961."
    untitled = Document(doc_id="p", source="p.txt", title="Anton Brekke war der letzte Wärter des Turms.",
                        date=None, text=paragraph, content_hash="h")
    variant = make_variant(untitled, [(0, 12)])
    assert variant.title is None and "Brekke" not in variant.text
    parsed = parse_document(variant.name, variant.file_text().encode("utf-8"))
    assert "Brekke" not in parsed.title and parsed.text == "Er verließ die Insel im Winter 1961."
    kept = make_variant(untitled, [(paragraph.index("1961"), len(paragraph) - 1)])
    assert kept.title == untitled.title


def test_a_gold_source_without_the_answer_stays_as_it_is():
    docs = {"turm.txt": doc("turm.txt", LIGHTHOUSE), "kaese.txt": doc("kaese.txt", CHEESE)}
    # A question about now lists the older source too; only "kaese.txt" holds the answer.
    (nm,), excluded = near_misses([GoldQuestion("q", "Seit wann?", ("1930",), ("turm.txt", "kaese.txt"))], docs)
    assert not excluded and nm.sources == {"kaese.txt"}
    assert round_filter_sources(nm, [nm]) == {"kaese.txt"}  # the lighthouse stays searchable

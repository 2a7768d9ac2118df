"""The extractive reader (rag/answer/reader/): its features, its parameter file, and the
selection policy around the learned scores. The policy is tested with a stub model whose
weights are set here, so each outcome follows from the rule under test, not from training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.answer.analysis import analyze_question
from rag.answer.reader.candidates import candidates
from rag.answer.reader.extractive import ExtractiveReader, Selected
from rag.answer.reader.wording import answer_text, unanswered_note
from rag.answer.reader.features import FEATURES, sentence_features
from rag.answer.reader.model import ANSWERABILITY_FEATURES, Logistic, ReaderModel, load_model
from rag.core.config import ReaderSettings
from rag.core.errors import ModelError
from rag.core.types import Chunk, Hit


def _hit(source: str, text: str, date: str | None = None, start: int = 0, date_source: str | None = None) -> Hit:
    return Hit(Chunk(f"{source}:0", source, source, "Titel", date, text, start, start + len(text),
                     date_source=date_source), 1.0, 1)


def stub_model(weights: dict[str, float], threshold: float = 0.5) -> ReaderModel:
    """Sentence logit = sum of the given feature weights; answerability = the best
    sentence's probability (its logit passes through unchanged)."""
    n, m = len(FEATURES), len(ANSWERABILITY_FEATURES)
    sentence = Logistic(FEATURES, np.zeros(n), np.ones(n), np.array([weights.get(f, 0.0) for f in FEATURES]), 0.0)
    answerability = Logistic(ANSWERABILITY_FEATURES, np.zeros(m), np.ones(m),
                             np.array([1.0 if f == "best_logit" else 0.0 for f in ANSWERABILITY_FEATURES]), 0.0)
    return ReaderModel(sentence, answerability, threshold, {})


def _reader(weights: dict[str, float], threshold: float = 0.5, **settings) -> ExtractiveReader:
    return ExtractiveReader(ReaderSettings(**settings), idf=lambda token: 2.0, model=stub_model(weights, threshold))


def _select(reader: ExtractiveReader, question: str, passages) -> list[str]:
    return [s.text for s in reader.select(analyze_question(question), passages)]


# -- features --------------------------------------------------------------------------------
def test_features_say_what_the_sentence_offers():
    text = ("Wien – Die Gewerkschaft lanciert einen Rechner. So hätten bereits 18 Prozent der "
            "Arbeiter einen All-in-Vertrag. Das sagte der Chef am Montag.")
    cands = candidates([_hit("a.txt", text)])
    part = analyze_question("Wie viele Arbeiter haben einen All-in-Vertrag?").whole
    x = sentence_features(part, cands, "de", lambda t: 2.0, np.array([0.8, 0.9, 0.7]), 0.5)
    col = {name: i for i, name in enumerate(FEATURES)}
    assert x.shape == (3, len(FEATURES))
    opening, answer, closing = x
    assert opening[col["dateline"]] == 1 and opening[col["opens_document"]] == 1
    assert answer[col["typed"]] == 1 and answer[col["untyped_needed"]] == 0  # "18 Prozent"
    assert closing[col["typed"]] == 0 and closing[col["untyped_needed"]] == 1
    assert answer[col["cov"]] == max(x[:, col["cov"]]) and answer[col["cov_gap"]] == 0
    assert answer[col["cos_rank1"]] == 1 and answer[col["cos_gap"]] == 0 and opening[col["cos_gap"]] < 0
    assert closing[col["prev_cov"]] == answer[col["cov_exact"]]  # its neighbour holds the terms


def test_question_terms_that_no_passage_holds_are_counted():
    text = "Wien – Der Airbus A380 hatte 2005 seinen Erstflug. Die Maschine wurde in Toulouse gebaut."
    cands = candidates([_hit("a.txt", text)])
    col = {name: i for i, name in enumerate(FEATURES)}
    near_miss = sentence_features(analyze_question("Wie viele Passagiere fasst der Airbus A380?").whole,
                                  cands, "de", lambda t: 2.0, np.array([0.8, 0.7]), 0.5)
    answered = sentence_features(analyze_question("Wo wurde der Airbus A380 gebaut?").whole,
                                 cands, "de", lambda t: 2.0, np.array([0.8, 0.7]), 0.5)
    # "Passagiere" and "fasst" stand in no passage; every term of the other question does.
    assert near_miss[0, col["terms_nowhere"]] > 0 and near_miss[0, col["terms_nowhere_max"]] == 2.0
    assert answered[0, col["terms_nowhere"]] == 0 and answered[0, col["terms_nowhere_max"]] == 0
    english = sentence_features(analyze_question("How many passengers does the Airbus A380 hold?").whole,
                                cands, "en", lambda t: 2.0, np.array([0.8, 0.7]), 0.5)
    assert english[0, col["terms_nowhere"]] == 0  # its words cannot stand in a German passage


def test_the_parameter_file_is_checked(tmp_path):
    model = load_model()  # the shipped file loads and fits the features
    assert set(model.sentence.features) <= set(FEATURES) and 0 < model.threshold < 1
    assert "command" in model.meta or "calibration" in model.meta
    bad = tmp_path / "params.json"
    bad.write_text(json.dumps({"format": "rag-reader-params/1", "sentence": {}}))
    with pytest.raises(ModelError, match="rag train-reader"):
        load_model(bad)


# -- selection policy ------------------------------------------------------------------------
def test_below_the_threshold_the_reader_refuses():
    passages = [_hit("a.txt", "Der Leuchtturm wurde 1872 aus rotem Granit gebaut.")]
    assert _select(_reader({"cov": 4.0}, threshold=0.5), "Wann wurde der Leuchtturm gebaut?", passages)
    assert not _select(_reader({"cov": 4.0}, threshold=0.999), "Wann wurde der Leuchtturm gebaut?", passages)


def test_an_antecedent_already_chosen_is_not_said_twice():
    text = ("Die Broncos besiegten die Steelers in der Divisional Round mit 23 Punkten. "
            "Sie schlugen daraufhin im Championship-Spiel die Patriots mit 20 Punkten.")
    chosen = _select(_reader({"cov": 6.0}), "Wie hoch besiegten die Broncos die Steelers, "
                     "und wie hoch schlugen sie die Patriots?", [_hit("a.txt", text)])
    # Each part is answered by one sentence; the second points back to the first, which
    # must not be said again in front of it.
    assert " ".join(chosen) == text


@pytest.mark.parametrize("same_article", [True, False])
def test_a_further_article_is_cited_only_when_nearly_as_strong(same_article):
    best = "Kalmar verkaufte im Sommer 500 Fahrräder."
    second = "Im Winter waren es 300 Fahrräder von Kalmar."
    passages = [_hit("a.txt", f"{best} {second}")] if same_article else [_hit("a.txt", best), _hit("b.txt", second)]
    # Probabilities from coverage alone: best 4 of 5 question terms (0.96), second 3 of 5 (0.92).
    reader = _reader({"cov": 4.0}, relative_score=0.6, other_source_relative_score=0.99)
    chosen = _select(reader, "Wie viele Fahrräder verkaufte Kalmar im Sommer und im Winter?", passages)
    assert chosen == ([best, second] if same_article else [best])


def test_a_question_about_now_is_answered_from_the_newest_source_with_the_change():
    old = _hit("old.txt", "Microsoft ist der exklusive Cloud-Anbieter von OpenAI.", date="2023-01")
    new = _hit("new.txt", "Microsoft ist künftig nicht mehr exklusiver Cloud-Anbieter von OpenAI.",
               date="2025-01", date_source="user")
    reader = _reader({"cov": 5.0})
    selected = reader.select(analyze_question("Ist Microsoft heute noch exklusiver Cloud-Anbieter von OpenAI?"),
                             [old, new])
    assert [(s.number, s.state, s.date) for s in selected] == [(1, "earlier", "2023-01"), (2, "now", "2025-01")]
    assert answer_text(selected, "de") == (
        "Stand 2023-01: Microsoft ist der exklusive Cloud-Anbieter von OpenAI [1]. "
        "Stand 2025-01: Microsoft ist künftig nicht mehr exklusiver Cloud-Anbieter von OpenAI [2].")
    # About the past: no recency preference, no change stated.
    past = reader.select(analyze_question("War Microsoft 2023 der exklusive Cloud-Anbieter von OpenAI?"), [old, new])
    assert all(s.state is None for s in past)


def test_an_english_question_gets_an_english_lead():
    passages = [_hit("a.txt", "Microsoft investierte 2019 eine Milliarde Dollar in OpenAI.")]
    selected = _reader({"cos": 8.0, "cov": 4.0}).select(
        analyze_question("How much did Microsoft invest in OpenAI in 2019?"), passages)
    assert answer_text(selected, "en") == (
        "According to the documents: Microsoft investierte 2019 eine Milliarde Dollar in OpenAI [1].")


class _FlatEmbedder:
    """Every text at the same cosine to every question."""

    def encode_queries(self, texts):
        return np.tile([1.0, 0.0], (len(texts), 1))

    def encode_documents(self, texts):
        return np.tile([0.86, (1 - 0.86 ** 2) ** 0.5], (len(texts), 1))


def test_each_candidate_sentence_is_embedded_once():
    embedded: list[str] = []

    class CountingEmbedder(_FlatEmbedder):
        def encode_documents(self, texts):
            embedded.extend(texts)
            return super().encode_documents(texts)

    embedder = CountingEmbedder()
    reader = ExtractiveReader(ReaderSettings(), embedder=lambda: embedder, model=stub_model({"cov": 4.0}))
    passages = [_hit("a.txt", "Der Leuchtturm wurde 1872 gebaut. Ein Laib Bergkäse reift vierzehn Monate lang.")]
    for _ in range(2):  # two parts per call, two calls (as the LLM gate and evidence do)
        _select(reader, "Wann wurde der Leuchtturm gebaut, und wie lange reift Bergkäse?", passages)
    assert sorted(embedded) == ["Der Leuchtturm wurde 1872 gebaut.", "Ein Laib Bergkäse reift vierzehn Monate lang."]


def test_a_quantised_embedder_reads_its_models_parameters():
    from rag.answer.reader.model import DEFAULT_EMBEDDER, own_params_path, params_path

    assert params_path(f"{DEFAULT_EMBEDDER}+int8") == (own_params_path(DEFAULT_EMBEDDER), True)
    assert params_path("hashing-256") == (own_params_path("hashing-256"), True)
    assert params_path("some-other-model") == (own_params_path(DEFAULT_EMBEDDER), False)


def test_the_current_state_is_the_change_sentence_closest_to_the_older_statement():
    """The newest source's best sentence reports a change ("jetzt") but is not the one
    that overturns the older statement; the pair is the older statement and the change
    sentence most like it."""
    from rag.models.embedders import HashingEmbedder

    old = _hit("old.txt", "Microsoft wird weiterhin exklusiver Anbieter für OpenAI sein.", date="2023-01")
    new = _hit("new.txt", "OpenAI darf jetzt auch andere Cloud-Anbieter außer Microsoft nutzen. Der Konzern teilte "
               "das am Dienstag mit. Microsoft wird künftig nicht mehr exklusiver Anbieter für OpenAI sein.",
               date="2025-01", date_source="user")
    question = analyze_question("Ist Microsoft heute noch exklusiver Cloud-Anbieter von OpenAI?")
    weights = {"cov": 10.0, "log_words": -3.0}
    embedder = HashingEmbedder(256)  # these two sentences: cosine 0.78 with it

    def answer(settings: dict, with_embedder: bool = True) -> str:
        reader = ExtractiveReader(ReaderSettings(**settings), idf=lambda token: 2.0, model=stub_model(weights),
                                  embedder=(lambda: embedder) if with_embedder else None)
        return answer_text(reader.select(question, [old, new]), "de")

    paired = ("Stand 2023-01: Microsoft wird weiterhin exklusiver Anbieter für OpenAI sein [1]. "
              "Stand 2025-01: Microsoft wird künftig nicht mehr exklusiver Anbieter für OpenAI sein [2].")
    by_score = ("Stand 2023-01: Microsoft wird weiterhin exklusiver Anbieter für OpenAI sein [1]. "
                "Stand 2025-01: OpenAI darf jetzt auch andere Cloud-Anbieter außer Microsoft nutzen [2].")
    assert answer({"state_pair_min_cosine": 0.5}) == paired
    # Not alike enough, or no embedder to tell: the newest source's best sentence.
    assert answer({"state_pair_min_cosine": 0.9}) == by_score
    assert answer({"state_pair_min_cosine": 0.5}, with_embedder=False) == by_score


# -- an answer names what it is about ------------------------------------------------------------
def test_a_sentence_whose_subject_is_only_a_role_is_quoted_with_the_one_naming_it():
    text = ("Microsofts erneutes Engagement zeigt großes Interesse an OpenAI. "
            "Das Unternehmen bleibt zudem der größte Kapitalgeber von OpenAI.")
    chosen = _select(_reader({"cov": 6.0}), "Wer ist der größte Kapitalgeber von OpenAI?", [_hit("a.txt", text)])
    assert chosen == [text]
    # A subject named in apposition stands alone.
    named = "Microsofts Engagement zeigt Interesse. Der Konzern Microsoft bleibt größter Kapitalgeber von OpenAI."
    assert _select(_reader({"cov": 6.0}), "Wer ist der größte Kapitalgeber von OpenAI?",
                   [_hit("a.txt", named)]) == ["Der Konzern Microsoft bleibt größter Kapitalgeber von OpenAI."]


def test_a_sentence_opening_one_chunk_gets_its_antecedent_from_an_overlapping_chunk():
    first = "Microsofts erneutes Engagement zeigt großes Interesse an OpenAI."
    second = "Das Unternehmen bleibt zudem der größte Kapitalgeber von OpenAI."
    late = Hit(Chunk("a.txt:1", "a.txt", "a.txt", "Titel", None, second, 70, 70 + len(second)), 1.0, 1)
    start = 70 - len(first) - 1  # the same sentence at the same document offset
    early = Hit(Chunk("a.txt:0", "a.txt", "a.txt", "Titel", None, f"{first} {second}", start, 70 + len(second)), 0.9, 2)
    cands = candidates([late, early])
    opening = next(c for c in cands if c.text == second)
    assert opening.number == 1 and opening.previous == first and opening.needs_antecedent


# -- compound questions --------------------------------------------------------------------------
def test_each_part_of_a_compound_question_is_answered_or_refused_on_its_own():
    passages = [_hit("a.txt", "Insgesamt 500 Milliarden Dollar sollen in Stargate fließen. "
                              "Mit an Bord von Stargate sind Oracle und Softbank Group.")]
    # Full coverage and a value of the asked kind answer; half the terms (only the borrowed
    # "Stargate") do not.
    reader = _reader({"cov": 8.0, "typed": 2.0, "untyped_needed": -2.0}, threshold=0.999)
    both = reader.read(analyze_question("Wie viel Geld soll in Stargate fließen und wer ist an Bord?"), passages)
    assert [s.text for s in both.selected] == [
        "Insgesamt 500 Milliarden Dollar sollen in Stargate fließen.",
        "Mit an Bord von Stargate sind Oracle und Softbank Group."]
    assert both.unanswered == ()
    # The second part borrows the first part's names ("Stargate") to be scored at all.
    assert "stargat" in analyze_question("Wie viel Geld soll in Stargate fließen und wer ist an Bord?").parts[1].topic_terms
    half = reader.read(analyze_question("Wie viel Geld soll in Stargate fließen und wer ist der Bürgermeister?"),
                       passages)
    assert [s.text for s in half.selected] == ["Insgesamt 500 Milliarden Dollar sollen in Stargate fließen."]
    assert half.unanswered == ("wer ist der Bürgermeister (Stargate)?",)
    assert unanswered_note(half.unanswered, "de") == \
        "Keine Antwort in den Dokumenten auf: wer ist der Bürgermeister (Stargate)?"


def test_a_judge_without_a_judged_model_is_an_error_not_ignored():
    reader = ExtractiveReader(ReaderSettings(judge="local"), idf=lambda token: 2.0, model=stub_model({"cov": 4.0}),
                              judge=lambda: (lambda question, sentences: 3.0))
    with pytest.raises(ModelError, match="--collect-judge"):
        reader.select(analyze_question("Wann wurde der Leuchtturm gebaut?"),
                      [_hit("a.txt", "Der Leuchtturm wurde 1872 aus rotem Granit gebaut.")])


def test_the_judges_verdict_decides_with_a_judged_model():
    from dataclasses import replace

    from rag.answer.reader.model import JUDGED_FEATURES

    m = len(JUDGED_FEATURES)
    # Answerability = the judge's verdict alone, threshold 0.5.
    judged = Logistic(JUDGED_FEATURES, np.zeros(m), np.ones(m),
                      np.array([1.0 if f == "judge" else 0.0 for f in JUDGED_FEATURES]), 0.0)
    model = replace(stub_model({"cov": 4.0}), judged=judged, judged_threshold=0.5)
    asked = []

    def judge(question, sentences):
        asked.append((question, sentences))
        return verdict

    reader = ExtractiveReader(ReaderSettings(judge="local"), idf=lambda token: 2.0, model=model, judge=lambda: judge)
    passages = [_hit("a.txt", "Der Leuchtturm wurde 1872 aus rotem Granit gebaut.")]
    question = analyze_question("Wann wurde der Leuchtturm gebaut?")
    verdict = 4.0
    assert reader.select(question, passages)
    assert asked == [("Wann wurde der Leuchtturm gebaut?", ["Der Leuchtturm wurde 1872 aus rotem Granit gebaut."])]
    verdict = -4.0
    assert not reader.select(question, passages)


def test_every_sentence_of_a_chosen_text_carries_its_marker():
    """A chosen sentence brought with its antecedent is two claims; each is cited, so that
    verification finds both word for word in their passage instead of searching every one."""
    chosen = Selected(number=2, text="Suleyman leitet ein neues Team. Dieses Team soll KI-Produkte entwickeln.",
                      score=1.0)
    heading = Selected(number=1, text="500 Milliarden für Stargate", score=0.9)
    assert answer_text([chosen, heading], "de") == (
        "Suleyman leitet ein neues Team [2]. Dieses Team soll KI-Produkte entwickeln [2]. "
        "500 Milliarden für Stargate [1].")

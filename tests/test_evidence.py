"""Evidence passages (rag/answer/evidence.py): what a small LLM is shown instead of whole passages."""

from __future__ import annotations

import numpy as np

from rag.answer.analysis import analyze_question
from rag.answer.evidence import evidence_passages
from rag.answer.prompting import build_messages
from rag.answer.reader.extractive import SentenceScores
from rag.core.types import Chunk, Hit


def _hit(source: str, text: str) -> Hit:
    return Hit(Chunk(f"{source}:0", source, source, f"Titel {source}", "2024-01", text, 0, len(text)), 1.0, 1)


class _Reader:
    """Scores sentences by a given rule (reader.score's contract): the selection policy
    alone is tested."""

    def __init__(self, rule):
        self.rule = rule
        self.asked: list[str] = []

    def score(self, part, cands, language):
        self.asked.append(part.text)
        return SentenceScores(np.array([self.rule(part.text, c.text) for c in cands], float),
                              np.zeros((len(cands), 0)), 1.0)


def _scorer_for(wanted: dict[str, float]) -> _Reader:
    """Scores a sentence by the first key it contains."""
    return _Reader(lambda question, text: next((v for k, v in wanted.items() if k in text), 0.0))


def test_passages_are_cut_to_the_best_sentences_and_keep_their_numbers():
    hits = (_hit("a.txt", "Der Eintritt ist frei und gilt für alle. Im Sommer gibt es Führungen am Turm."),
            _hit("b.txt", "Der Leuchtturm wurde 1872 gebaut, aus rotem Granit. Er ist heute ein Museum "
                          "für alle. Die Käserei im Tal verkauft Bergkäse an Gäste."))
    score = _scorer_for({"1872": 1.0, "Museum": 0.8, "Eintritt": 0.1})
    out = evidence_passages(analyze_question("Wann wurde der Leuchtturm gebaut?"), hits, score, n_sentences=2)
    assert [h.chunk.text for h in out] == [
        "", "Der Leuchtturm wurde 1872 gebaut, aus rotem Granit. Er ist heute ein Museum für alle."]
    prompt = build_messages("Wann wurde der Leuchtturm gebaut?", out, "de")[1]["content"]
    # Passage 1 has nothing to say and is left out; passage 2 keeps its number for [2].
    assert "[1]" not in prompt.split("Frage:")[0] and "[2] Titel b.txt" in prompt
    assert "Käserei" not in prompt and "Eintritt" not in prompt


def test_each_part_of_a_compound_question_gets_sentences():
    hits = (_hit("a.txt", "Der Leuchtturm wurde 1872 gebaut, aus Granit. Er ist ein Museum für alle."),
            _hit("b.txt", "Ein Laib Bergkäse reift vierzehn Monate lang. Die Käserei liegt im Tal."))
    # Word overlap with the part asked.
    reader = _Reader(lambda question, text: len(set(question.rstrip("?").split()) & set(text.split())))
    out = evidence_passages(analyze_question("Wann wurde der Leuchtturm gebaut, und wie lange reift Bergkäse?"),
                            hits, reader, n_sentences=2)
    assert reader.asked == ["Wann wurde der Leuchtturm gebaut?", "wie lange reift Bergkäse?"]
    assert out[0].chunk.text == "Der Leuchtturm wurde 1872 gebaut, aus Granit."
    assert out[1].chunk.text == "Ein Laib Bergkäse reift vierzehn Monate lang."


def test_a_sentence_pointing_back_keeps_its_antecedent():
    hits = (_hit("a.txt", "Mustafa Suleyman leitet nun ein neues Team bei Microsoft. Dieses Team soll "
                          "Software für Verbraucher entwickeln. Der Eintritt ist frei und gilt für alle."),)
    out = evidence_passages(analyze_question("Wer entwickelt Software für Verbraucher?"), hits,
                            _scorer_for({"Dieses Team": 1.0}), n_sentences=1)
    assert out[0].chunk.text == ("Mustafa Suleyman leitet nun ein neues Team bei Microsoft. "
                                 "Dieses Team soll Software für Verbraucher entwickeln.")


def test_the_llm_sees_the_evidence_and_citations_keep_the_whole_passages(corpus_assistant):
    assistant = corpus_assistant({
        "a.txt": ("Der Leuchtturm von Kalmar wurde 1872 aus rotem Granit gebaut. Der Eintritt "
                  "ist frei und gilt für alle Gäste. Im Sommer gibt es dort Führungen."),
    }, llm={"backend": "fake", "evidence_sentences": 1})
    answer = assistant.ask("Wann wurde der Leuchtturm von Kalmar gebaut?")
    request = assistant.backend().requests[-1]
    prompt = request.messages[1]["content"]
    assert "1872" in prompt and "Eintritt" not in prompt
    assert request.passages == answer.hits and "Eintritt" in answer.hits[0].chunk.text


def test_the_gate_refuses_without_asking_the_llm_when_nothing_answers(corpus_assistant):
    assistant = corpus_assistant({
        "a.txt": "Der Leuchtturm von Kalmar wurde 1972 aus rotem Granit gebaut.",
        "b.txt": "Ein Laib Bergkäse der Käserei Oberried reift vierzehn Monate.",
    }, llm={"backend": "fake", "extractive_gate": True})
    answer = assistant.ask("Wie viele Mitarbeiter hat die Reederei Kalmar?")
    assert answer.refused and assistant.backend().requests == []
    # An answerable question reaches the LLM, whose prompt then has no refusal clause.
    answer = assistant.ask("Wann wurde der Leuchtturm von Kalmar gebaut?")
    system = assistant.backend().requests[-1].messages[0]["content"]
    assert not answer.refused and "1972" in answer.text
    assert "Dazu steht in den Dokumenten nichts" not in system


def test_without_the_gate_the_llm_decides_and_may_refuse(corpus_assistant):
    assistant = corpus_assistant({"a.txt": "Der Leuchtturm von Kalmar wurde 1972 aus rotem Granit gebaut."},
                                 llm={"backend": "fake"})
    assistant.ask("Wie viele Mitarbeiter hat die Reederei Kalmar?")
    system = assistant.backend().requests[-1].messages[0]["content"]
    assert 'antworte genau: "Dazu steht in den Dokumenten nichts."' in system


def test_the_local_backend_defaults_name_real_settings():
    from rag.core.config import LLMSettings
    from rag.backends.local import LocalLlamaBackend

    defaults = LocalLlamaBackend.small_model_defaults
    assert defaults == {"evidence_sentences": 6, "extractive_gate": True}
    assert set(defaults) <= set(LLMSettings.model_fields)
    LLMSettings(**defaults)  # valid values
    assert LLMSettings().evidence_sentences is None and LLMSettings().extractive_gate is None

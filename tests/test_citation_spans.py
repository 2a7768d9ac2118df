"""What an answer carries for display: every span a passage supports, and notices written
for the user (never the model's dropped text, which may echo the prompt)."""

from __future__ import annotations

from rag.answer.prompting import build_messages

ARTICLE = ("date 2024-03\nStadtwerke bauen Speicher\n\n"
           "Die Stadtwerke Kiel bauen einen Wärmespeicher für 40 Millionen Euro. "
           "Der Speicher soll im Jahr 2026 in Betrieb gehen. "
           "Er fasst 30.000 Kubikmeter Wasser.\n")
QUESTION = "Was bauen die Stadtwerke Kiel?"


def test_every_sentence_a_passage_supports_is_a_span(corpus_assistant):
    assistant = corpus_assistant({"kiel.txt": ARTICLE}, llm={"backend": "fake"})
    assistant.backend().replies = [
        "Die Stadtwerke Kiel bauen einen Wärmespeicher für 40 Millionen Euro [1]. "
        "Er soll im Jahr 2026 in Betrieb gehen [1]."]
    answer = assistant.ask(QUESTION)
    assert [c.n for c in answer.citations] == [1], answer.notices
    cited = answer.citations[0]
    chunk = cited.chunk
    spans = [chunk.text[s - chunk.start:e - chunk.start] for s, e in cited.spans]
    assert spans == ["Die Stadtwerke Kiel bauen einen Wärmespeicher für 40 Millionen Euro.",
                     "Der Speicher soll im Jahr 2026 in Betrieb gehen."]
    assert (cited.start, cited.end) in cited.spans
    assert answer.to_json()["citations"][0]["spans"] == [list(s) for s in cited.spans]


def test_a_dropped_sentence_is_never_quoted_in_a_notice(corpus_assistant):
    assistant = corpus_assistant({"kiel.txt": ARTICLE}, llm={"backend": "fake"})
    # Qwen 1.5B echoes the prompt's reminder to cite ("... mit Quellenangabe ..."): such a
    # sentence is dropped, and the notice that says so must not show it.
    reminder = build_messages(QUESTION, [], "de")[1]["content"].rsplit("\n", 1)[-1]
    assistant.backend().replies = [
        "Die Stadtwerke Kiel bauen einen Wärmespeicher [1]. Dies ist der Quellenangabe.",
        f"Die Stadtwerke Kiel bauen einen Wärmespeicher [1]. {reminder} [1]",
        "Dies ist der Quellenangabe [1]. Die Stadtwerke Kiel bauen einen Wärmespeicher [1]."]
    for _ in range(3):
        answer = assistant.ask(QUESTION)
        assert answer.text == "Die Stadtwerke Kiel bauen einen Wärmespeicher [1].", answer.notices
        assert any(n.startswith("Dropped a sentence") for n in answer.notices)
        shown = " ".join(answer.notices)
        assert "Quellenangabe" not in shown and "Passagen" not in shown, shown

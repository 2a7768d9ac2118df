"""The SQuAD/XQuAD benchmark runner end to end on a tiny file, with the hashing embedder."""

from __future__ import annotations

import json
from pathlib import Path

from rag.core.config import load_settings
from rag.core.fsio import sha256_file
from rag.evaluation.squad import MODES, run_squad_benchmark
from rag.evaluation.squad_data import load_squad

REPO = Path(__file__).resolve().parent.parent

P1 = ("Der Leuchtturm von Kalmarsund wurde im Jahr 1872 aus rotem Granit errichtet. "
      "Sein Licht reicht bei klarer Sicht zweiundzwanzig Seemeilen weit über das Meer.")
P2 = ("Die Wärter des Leuchtturms lebten mit ihren Familien in einem kleinen Haus am Fuß "
      "des Turms. Der letzte Wärter, Anton Brekke, verließ die Insel im Winter 1961.")
P3 = ("Heute gehört das Gebäude einem Museumsverein, der im Sommer Führungen anbietet. "
      "Der Verein nennt den Turm „die rote Nadel“ und verkauft Postkarten mit diesem Namen.")
P4 = ("Die Käserei Oberried stellt seit 1930 einen würzigen Bergkäse aus Rohmilch her. "
      "Ein Laib reift mindestens vierzehn Monate in einem feuchten Felsenkeller.")
P5 = ("Jeden Herbst feiert das Dorf den Almabtrieb mit einem Markt, auf dem die Käserei "
      "ihren Jahrgangskäse versteigert. Der Erlös geht an die freiwillige Feuerwehr.")


def qa(qid: str, question: str, context: str, answer: str) -> dict:
    return {"id": qid, "question": question,
            "answers": [{"text": answer, "answer_start": context.index(answer)}]}


SQUAD = {"version": "1.1", "data": [
    {"title": "Leuchtturm_Kalmarsund", "paragraphs": [
        {"context": P1, "qas": [qa("q1", "Aus welchem Granit wurde der Leuchtturm errichtet?", P1, "rotem Granit")]},
        {"context": P2, "qas": [qa("q2", "Wann verließ der letzte Wärter Anton Brekke die Insel?", P2, "1961")]},
        {"context": P3, "qas": [qa("q3", "Wie nennt der Museumsverein den Turm?", P3, "„die rote Nadel“")]},
    ]},
    {"title": "Käserei_Oberried", "paragraphs": [
        {"context": P4, "qas": [qa("q4", "Wie lange reift ein Laib Bergkäse im Felsenkeller?", P4, "vierzehn Monate")]},
        {"context": P5, "qas": [qa("q5", "Wohin geht der Erlös der Versteigerung beim Almabtrieb?", P5, "die freiwillige Feuerwehr")]},
    ]},
]}  # fmt: skip


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*"))}


def test_spans_map_into_cleaned_text(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    squad = load_squad(path)
    assert len(squad.questions) == 5 and not squad.unmappable
    # Cleaning (ftfy) straightens the German quotes of q3's answer: mapped, counted as altered.
    assert squad.altered == 1
    from rag.ingest.documents import parse_document

    for q in squad.questions:
        text = parse_document(q.source, squad.documents[q.source].encode()).text
        (s, e), = q.spans
        assert text[s:e] == q.answers[0] or q.qid == "q3" and text[s:e] == '"die rote Nadel"'


def test_runner_end_to_end(tmp_path: Path, hashing_assistant, hashing_settings, capsys) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    user_index = hashing_settings.paths.index_dir
    before = _snapshot(user_index)
    settings = load_settings(paths={"index_dir": user_index, "models_dir": REPO / "models",
                                    "cache_dir": tmp_path / "cache"},
                             embedding={"backend": "hashing", "dim": 256})
    out_dir = tmp_path / "results"

    assert run_squad_benchmark(path, settings, mode="all", out_dir=out_dir, limit=None) == 0

    printed = capsys.readouterr().out
    assert all(mode in printed for mode in MODES) and "hit@5" in printed and "mrr@10" in printed
    (result_file,) = out_dir.glob("*-xquad-*-all/report.json")  # one folder per run, like `rag eval`
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert (result_file.parent / "report.html").is_file()
    assert result["n_questions"] == 5 and result["n_documents"] == 2 and result["unmappable"] == 0
    assert set(result["retrieval"]) == set(MODES)
    for metrics in result["retrieval"].values():
        assert 0 <= metrics["hit@1"] <= metrics["hit@5"] <= 1
        assert metrics["hit@1"] <= metrics["mrr@10"] <= 1
        assert 0 < metrics["p50_ms"] <= metrics["p95_ms"]
    # Every question shares rare words with its paragraph only: BM25 must find them all.
    assert result["retrieval"]["bm25"]["hit@5"] == 1.0
    assert result["retrieval"]["hybrid"]["hit@5"] == 1.0
    answers = result["answers"]
    assert answers["n"] == 5 and 0 <= answers["exact_match"] <= answers["contained"] <= 1
    assert 0 <= answers["token_f1"] <= 1
    assert result["unanswerable"]["n"] == 5  # each again with its own article filtered out
    # Near misses: every question has one or is counted as excluded.
    near = result.get("near_miss", {"n": 0})["n"]
    assert near + result["meta"]["near_miss_excluded"]["n"] == 5 and near >= 1
    overall = result["eval"]["overall"]
    assert {"near_miss_refused", "confidence_auc", "ece", "false_refusal_rate", "citation_precision"} <= set(overall)
    # The user's index is untouched: the benchmark indexes under the cache dir.
    assert _snapshot(user_index) == before
    assert (tmp_path / "cache" / "corpora" / "xquad" / "index" / "CURRENT").is_file()
    # The run folder: provenance with the dataset's hash, and a second run compares with it.
    prov = result["provenance"]
    assert prov["dataset"] == [{"path": str(path), "sha256": sha256_file(path)}]
    assert prov["n_documents"] == 2 and prov["index_sha256"]
    assert result["previous"] is None and result["overall"]["hybrid hit@5"] == 1.0
    assert result["meta"]["backend"] == "extractive" and result["meta"]["timestamp"]
    assert run_squad_benchmark(path, settings, mode="all", out_dir=out_dir, limit=None) == 0
    second_file = max(out_dir.glob("*/report.json"), key=lambda f: f.parent.name)
    second = json.loads(second_file.read_text(encoding="utf-8"))
    assert second["previous"] == str(result_file.parent) and second["changed"] == []
    # The second run reuses the cached index: the same data and documents.
    assert second["provenance"]["index_sha256"] == prov["index_sha256"]
    assert second["provenance"]["corpus_sha256"] == prov["corpus_sha256"] and second["likely_causes"] == []
    page = (second_file.parent / "report.html").read_text(encoding="utf-8")
    assert "Retrieval by mode" in page and 'data-metric="answers contained"' in page


MLQA = {"version": "tiny", "data": [{"title": "tiny-mlqa", "paragraphs": [
    {"context": P1, "qas": [qa("m1", "Aus welchem Gestein wurde der Leuchtturm von Kalmarsund gebaut?", P1, "rotem Granit")]},
    {"context": P2, "qas": [qa("m2", "Wann verließ Anton Brekke die Insel?", P2, "1961"),
                            qa("m3", "Wo lebten die Wärter mit ihren Familien?", P2, "in einem kleinen Haus")]},
    {"context": P4, "qas": [qa("m4", "Wie lange reift ein Laib Bergkäse?", P4, "vierzehn Monate")]},
    {"context": P5, "qas": [qa("m5", "Wer bekommt den Erlös der Versteigerung?", P5, "die freiwillige Feuerwehr")]},
]}]}  # fmt: skip


def test_mlqa_is_a_document_per_paragraph_split_by_paragraph(tmp_path: Path) -> None:
    from rag.evaluation.reader_examples import xquad_split

    path = tmp_path / "mlqa.json"
    path.write_text(json.dumps(MLQA, ensure_ascii=False), encoding="utf-8")
    squad = load_squad(path, per_paragraph=True)
    assert len(squad.documents) == 4 and len(squad.questions) == 5 and not squad.unmappable
    assert [text for text in squad.documents.values()] == [P1, P2, P4, P5]  # no title line
    by_source = {q.qid: q.source for q in squad.questions}
    assert by_source["m2"] == by_source["m3"] != by_source["m1"]
    halves = xquad_split(q.source for q in squad.questions)
    assert sorted(halves.values()) == ["fit", "fit", "report", "report"]
    assert halves == xquad_split(reversed([q.source for q in squad.questions]))  # seeded, order-free


def test_mlqa_benchmark_with_near_misses(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mlqa.json"
    path.write_text(json.dumps(MLQA, ensure_ascii=False), encoding="utf-8")
    settings = load_settings(paths={"index_dir": tmp_path / "index", "models_dir": REPO / "models",
                                    "cache_dir": tmp_path / "cache"},
                             embedding={"backend": "hashing", "dim": 256})
    out_dir = tmp_path / "results"
    assert run_squad_benchmark(path, settings, mode="hybrid", out_dir=out_dir, split="all", dataset="mlqa") == 0
    assert "near misses" in capsys.readouterr().out
    result = json.loads(next(out_dir.glob("*-mlqa-*-all/report.json")).read_text(encoding="utf-8"))
    assert result["n_documents"] == 4 and result["n_questions"] == 5
    rows = result["per_question"]["answers"]
    near = [r for r in rows if r["type"] == "near_miss"]
    # Each paragraph has one sentence left once its answer sentence is cut: all are clean.
    assert {r["near_miss_of"] for r in near} == {"m1", "m2", "m3", "m4", "m5"}
    sources = {q.qid: q.source for q in load_squad(path, per_paragraph=True).questions}
    for r in near:
        assert sources[r["near_miss_of"]] not in r["retrieved_sources"]
        assert any(s.startswith("nearmiss/") for s in r["retrieved_sources"])
    # m2 and m3 cut different sentences of one paragraph: two rounds.
    assert result["meta"]["near_miss_rounds"] == 2

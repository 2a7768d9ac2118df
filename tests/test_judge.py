"""The local model as an answerability judge (rag/backends/judge.py), on the real GGUF model."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp")


@pytest.mark.llm
def test_the_local_judge_says_yes_to_an_answer_and_no_to_a_near_miss():
    from rag.backends.judge import local_judge
    from rag.core.config import load_settings

    settings = load_settings()
    if not (settings.paths.models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").is_file():
        pytest.skip("the local model is not installed: rag models install qwen-1.5b")
    judge = local_judge(settings.llm, settings.paths.models_dir)
    question = "Wie viele Passagiere waren an Bord?"
    answer = judge(question, ["An Bord waren 155 Passagiere."])
    near_miss = judge(question, ["Der Airbus hatte 2005 seinen Erstflug."])
    assert answer > 0 > near_miss  # measured 5.3 and -2.2
    # The prompt's head stays cached: asking again gives the same verdict.
    assert judge(question, ["An Bord waren 155 Passagiere."]) == pytest.approx(answer, abs=1e-3)

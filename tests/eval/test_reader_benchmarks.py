"""`rapportsok eval --reader-benchmarks`: rank 1 and AUC as defined, and every reader
measured on the public held-out sets (a few questions of each here)."""

from __future__ import annotations

import numpy as np
import pytest

from eval.reader_benchmarks import auc, rank1, table
from reader_model.pairs import QAQuestion


def _q(labels: tuple[int, ...], answerable: bool = True) -> QAQuestion:
    units = tuple(f"enhet {i}" for i in range(len(labels)))
    return QAQuestion("squad-sv", "heldout", "q", "fråga", "doc", answerable, units, labels)


def test_rank1_is_the_share_of_answerable_questions_whose_best_unit_answers() -> None:
    questions = [_q((0, 1, 0)), _q((1, 0)), _q((0, 0), answerable=False)]
    scores = [(np.array([0.1, 0.9, 0.2]), 0.9), (np.array([0.2, 0.7]), 0.7), (np.array([1, 0]), 1)]
    assert rank1(questions, scores) == 0.5  # the unanswerable one does not count


def test_auc_ranks_answerable_questions_above_unanswerable_ones_ties_half() -> None:
    questions = [_q((1,)), _q((1,)), _q((0,), answerable=False)]
    scores = [(np.array([0.9]), 0.9), (np.array([0.4]), 0.4), (np.array([0.4]), 0.4)]
    assert auc(questions, scores) == 0.75
    assert auc(questions[:2], scores[:2]) is None  # only answerable questions


def test_the_table_has_a_row_per_reader_and_rank1_and_auc_per_benchmark() -> None:
    result = {
        "A": {"r": {"rank1": 0.5, "auc": 0.75}},
        "B": {"r": {"rank1": 0.25, "auc": None}},
    }
    assert table(result).splitlines() == [
        "| reader | A: rank 1 / AUC | B: rank 1 / AUC |",
        "|---|---|---|",
        "| r | 0.500 / 0.750 | 0.250 / – |",
    ]


@pytest.mark.slow
def test_every_reader_is_measured_on_every_held_out_set(loaded_index, encoder) -> None:
    from eval.reader_benchmarks import BENCHMARKS, run
    from indexer.language.analyzer import get_analyzer
    from search.answer import Answerer
    from search.cross_reader import packaged_cross_reader
    from search.retrieval import Searcher

    searcher = Searcher(loaded_index, encoder, get_analyzer())
    cross = packaged_cross_reader()
    assert cross is not None
    result = run(Answerer(searcher, cross=None), cross.encoder, limit=12)
    assert list(result) == [name for _, name in BENCHMARKS]
    for name, readers in result.items():
        assert list(readers) == ["first reader", "bi-encoder cosine", "cross-encoder"]
        for figures in readers.values():
            assert figures["questions"] == 12
            assert 0.0 <= figures["rank1"] <= 1.0
            assert (figures["auc"] is None) == (name != "Swedish SQuAD 2.0, held-out articles")

"""The cheap variant's measures, computed by hand on three questions."""

from __future__ import annotations

import random

import numpy as np
import pytest

from reader_model.cheap import answerable_auc, rank1_accuracy, subsample
from reader_model.pairs import QAQuestion


def _q(qid: str, labels: tuple[int, ...], answerable: bool = True) -> QAQuestion:
    units = tuple(f"{qid} unit {i}" for i in range(len(labels)))
    return QAQuestion("squad-sv", "heldout", qid, f"{qid}?", "doc", answerable, units, labels)


QUESTIONS = [_q("a", (0, 1, 0)), _q("b", (1, 0)), _q("c", (0, 0), answerable=False)]
SCORES = [np.array([0.2, 0.9, 0.1]), np.array([0.3, 0.6]), np.array([0.7, 0.1])]


def test_rank1_counts_answerable_questions_only() -> None:
    # a: best unit 1 is the positive; b: best unit 1 is not; c is unanswerable → 1 of 2
    assert rank1_accuracy(QUESTIONS, SCORES) == 0.5


def test_auc_of_best_unit_scores() -> None:
    pytest.importorskip("sklearn")
    # answerable best scores 0.9 and 0.6, unanswerable 0.7: one of two pairs ordered → 0.5
    assert answerable_auc(QUESTIONS, SCORES) == 0.5
    assert np.isnan(answerable_auc(QUESTIONS[:2], SCORES[:2]))  # no unanswerable question


def test_subsample_keeps_positives_and_is_seeded() -> None:
    many = [_q(str(i), (0, 0, 1, 0, 0, 0)) for i in range(10)]
    one = subsample(many, 4, 2, random.Random(1))
    assert one == subsample(many, 4, 2, random.Random(1))
    assert len(one) == 4
    assert all(q.labels.count(1) == 1 and len(q.units) == 3 for q in one)

"""The second reader (fast tier, a fake cross-encoder): which units it reads, how it orders
them, and what /ask's answer takes from it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from search.answer_scoring import AnswerModel
from search.cross_reader import Calibration, CrossReader, in_context, logit, unit_in_context

QUESTION = "Hur hög var sjukfrånvaron bland kommunens anställda?"


class _Fake:
    """Logit 4 for a text naming a percentage, -4 otherwise; remembers what it read."""

    sha256 = "0" * 64

    def __init__(self) -> None:
        self.read: list[str] = []

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        self.read += texts
        return np.array([4.0 if "%" in t else -4.0 for t in texts])


def _calibration(candidates: int = 3, threshold: float = 0.5) -> Calibration:
    return Calibration(
        {
            # the cross-encoder's logit alone decides a unit; the gate reads the best one
            "unit": {"names": ["cross", "first"], "coef": [1.0, 0.0], "intercept": 0.0},
            "answerable": {
                "names": ["best", "second", "support", "english"],
                "coef": [1.0, 0.0, 0.0, 0.0],
                "intercept": 0.0,
            },
            "states": {"names": ["best", "support"], "coef": [1.0, 0.0], "intercept": 0.0},
            "candidates": candidates,
            "report_candidates": 2,
            "threshold": threshold,
            "report_threshold": 0.4,
            "uncertain": 0.5,
        }
    )


def test_a_unit_in_context_is_its_section_title_then_its_answer_text() -> None:
    assert in_context("Sjukfrånvaro 5,2 %", "Personal") == "Personal\nSjukfrånvaro 5,2 %"
    assert in_context("Sjukfrånvaro 5,2 %", "") == "Sjukfrånvaro 5,2 %"


def test_logit_keeps_certain_probabilities_finite() -> None:
    assert logit(0.5) == 0.0
    assert round(logit(1.0), 3) == 13.816
    assert round(logit(0.0), 3) == -13.816


def test_only_the_first_readers_best_units_are_read_and_reordered(tiny_searcher) -> None:
    from search.answer import Answerer

    hits, _ = tiny_searcher.search(QUESTION, k=3)
    first = Answerer(tiny_searcher, model=AnswerModel.untrained())
    scored = first.scored_units(QUESTION, hits, tiny_searcher.embed(QUESTION))
    fake = _Fake()
    rescored = CrossReader(fake, _calibration(candidates=3)).rescore(QUESTION, scored)  # type: ignore[arg-type]
    assert fake.read == [f"{QUESTION}\n{unit_in_context(s.unit)}" for s in scored[:3]]
    assert len(rescored) == len(scored)
    read = rescored[:3]
    assert [s.probability for s in read] == sorted((s.probability for s in read), reverse=True)
    assert {s.unit for s in read} == {s.unit for s in scored[:3]}
    assert all(s.probability == 0.0 for s in rescored[3:])
    assert [s.unit for s in rescored[3:]] == [s.unit for s in scored[3:]]
    assert read[0].features["cross"] in (4.0, -4.0)
    assert read[0].features["first"] == 0.0  # the untrained first reader: even odds


def test_the_answer_takes_confidence_and_uncertainty_from_the_cross_reader(tiny_searcher) -> None:
    from search.answer import Answerer

    hits, _ = tiny_searcher.search(QUESTION, k=3)
    reader = CrossReader(_Fake(), _calibration(candidates=20, threshold=0.5))  # type: ignore[arg-type]
    answer = Answerer(tiny_searcher, model=AnswerModel.untrained(), cross=reader).answer(
        QUESTION, hits
    )
    assert answer.answered
    assert "%" in answer.units[0].answer_text()
    assert round(answer.confidence, 4) == round(1 / (1 + np.exp(-4.0)), 4)
    assert answer.unit_probability == answer.confidence  # the gate reads the best unit only
    assert not answer.uncertain


def test_where_the_first_readers_gate_decides_the_cross_encoder_only_chooses_the_unit(
    tiny_searcher,
) -> None:
    from search.answer import Answerer

    hits, _ = tiny_searcher.search(QUESTION, k=3)
    calibration = _calibration(candidates=20, threshold=0.99)
    calibration.decides = "first"
    first_only = Answerer(tiny_searcher, model=AnswerModel.untrained(), cross=None)
    both = Answerer(
        tiny_searcher,
        model=AnswerModel.untrained(),
        cross=CrossReader(_Fake(), calibration),  # type: ignore[arg-type]
    )
    alone, read = first_only.answer(QUESTION, hits), both.answer(QUESTION, hits)
    assert both.threshold == first_only.threshold == 0.5  # the first reader's, not 0.99
    assert read.confidence == alone.confidence == 0.5  # the untrained first gate
    assert read.answered and "%" in read.units[0].answer_text()
    assert round(read.unit_probability, 6) == 0.982014  # the cross-encoder's logit 4

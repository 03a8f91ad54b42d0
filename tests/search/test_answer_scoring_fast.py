"""The reader model file: which features it was trained on, and its two gates (fast tier)."""

from __future__ import annotations

import pytest

from search.answer_scoring import FEATURES, REPORT_FEATURES, AnswerModel


def _gate(n: int, weight: float) -> dict[str, object]:
    """A gate over `n` inputs that reads only the best unit's probability (the first)."""
    return {
        "mean": [0.0] * n,
        "scale": [1.0] * n,
        "coef": [weight] + [0.0] * (n - 1),
        "intercept": 0.0,
    }


def test_a_model_trained_on_other_features_asks_to_be_retrained() -> None:
    data = AnswerModel.untrained().data | {"report_features": ["support"]}
    with pytest.raises(ValueError, match="retrain it with `rapportsok eval --train-reader`"):
        AnswerModel(data)


def test_a_comparison_report_is_read_by_the_report_gate_when_the_model_has_one() -> None:
    best = [0.0] * len(FEATURES)
    old = AnswerModel(AnswerModel.untrained().data | {"threshold": 0.7})
    # Trained before the report gate: the question gate reads the report, from half its
    # threshold (untrained, the question gate is the unit probability itself).
    assert old.states(best, 0.9) == 0.9
    assert old.report_threshold == 0.35
    new = AnswerModel(
        AnswerModel.untrained().data
        | {"states": _gate(1 + len(REPORT_FEATURES), 0.0), "report_threshold": 0.31}
    )
    assert new.states(best, 0.9) == 0.5  # a gate with no weight: even odds
    assert new.report_threshold == 0.31

"""The reader model file: which features it was trained on, and its two gates (fast tier)."""

from __future__ import annotations

import pytest

from search.answer_features import FEATURES
from search.answer_scoring import REPORT_FEATURES, AnswerModel


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
    best = dict.fromkeys(FEATURES, 0.0)
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


def test_every_unit_has_every_feature_by_name_and_the_model_reads_them_in_order(
    tiny_searcher,
) -> None:
    from search.answer import Answerer
    from search.answer_scoring import vector

    query = "Hur hög var sjukfrånvaron bland kommunens anställda?"
    hits, _ = tiny_searcher.search(query, k=3)
    answerer = Answerer(tiny_searcher, model=AnswerModel.untrained())
    scored = answerer.scored_units(query, hits, tiny_searcher.embed(query))
    assert scored and all(list(s.features) == list(FEATURES) for s in scored)
    best = scored[0]
    assert best.probability == 0.5  # untrained: every unit even odds
    assert best.features["quantity_question"] == 1.0  # a share is a quantity
    assert best.features["rank_inv"] == 1.0 / best.unit.hit.rank
    assert vector(best.features)[FEATURES.index("support")] == best.features["support"]

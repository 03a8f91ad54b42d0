"""Answer scoring (the learned reader): how likely each answer unit of the top passages
answers a question.

A logistic regression over the named features of (question, unit) pairs
(`search.answer_features`), trained on the eval
set's dev split (`rapportsok eval --train-reader`), where a unit that contains a question's
value (or evidence) is a positive. Its probability is calibrated, so the best unit's
probability is the answer's confidence and one threshold chosen on dev decides when /ask
abstains. The model is a small JSON file beside this module: feature names, scaler,
weights, thresholds and the hash of the training data. Scoring needs numpy only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from search.answer_features import FEATURES, Features

if TYPE_CHECKING:
    from search.units import Unit

MODEL_PATH = Path(__file__).with_name("answer_model.json")


class ScoredUnit(NamedTuple):
    """An answer unit with the model's probability that it answers, and its features."""

    probability: float
    unit: Unit
    features: Features


# What the question-level gate sees of the best unit: how well it and its passage meet the
# question, not what kind of question it is. Question-type features (amount questions,
# the unit's kind and length) would teach the gate how the eval set's unanswerable
# questions were written (more of them ask for amounts) rather than whether the reports
# answer; `english` stays because an English question's support is not measured.
_NOT_FOR_GATE = frozenset(
    """quantity_question holds_quantity first_match_at position kind_sentence kind_item
    kind_row kind_cell cell_quantity log_words has_number capitalised plan_words""".split()
)
GATE_FEATURES = tuple(f for f in FEATURES if f not in _NOT_FOR_GATE)
# What the report gate sees of a comparison report's best unit: whether the report speaks of
# the subject at all (its words, its passages' similarity and fused score) and whether the
# unit holds the kind of answer asked for. With ~100 reports to learn from, more features
# fit noise (a lower out-of-fold AUC on dev with `GATE_FEATURES`: docs/measurements.md).
REPORT_FEATURES = (
    "support",
    "content_coverage",
    "passage_content_coverage",
    "full_word_coverage",
    "holds_type",
    "year_match",
    "cosine",
    "score_rel",
)


def vector(features: Mapping[str, float], names: Sequence[str] = FEATURES) -> list[float]:
    """The values of `names` in their order: what a weight vector over them multiplies."""
    return [features[n] for n in names]


def gate_row(best_p: float, best: Features) -> list[float]:
    """The gate's input: the best unit's probability and its `GATE_FEATURES`."""
    return [best_p, *vector(best, GATE_FEATURES)]


def report_row(best_p: float, best: Features) -> list[float]:
    """The report gate's input: the best unit's probability and its `REPORT_FEATURES`."""
    return [best_p, *vector(best, REPORT_FEATURES)]


class AnswerModel:
    """The fitted unit model and its two gates (question and comparison report), with
    their thresholds."""

    def __init__(self, data: dict[str, Any]) -> None:
        gate_features = data.get("gate_features", list(GATE_FEATURES))
        report_features = data.get("report_features", list(REPORT_FEATURES))
        if (
            list(data["features"]) != list(FEATURES)
            or gate_features != list(GATE_FEATURES)
            or report_features != list(REPORT_FEATURES)
        ):
            raise ValueError(
                "the answer model was trained on other features; retrain it "
                "with `rapportsok eval --train-reader`"
            )
        self.data = data
        self._units = _Logistic(data)
        self.threshold = float(data["threshold"])
        self.uncertain = float(data["uncertain"])
        # A comparison is answered report by report, by its own gate and threshold; a model
        # trained before had none, and showed a report from half the question threshold.
        self.report_threshold = float(data.get("report_threshold", self.threshold / 2))

        gate = data.get("answerable")
        self.gate = _Logistic(gate) if gate else None
        report_gate = data.get("states")
        self.report_gate = _Logistic(report_gate) if report_gate else None

    def probability(self, units: Sequence[Features]) -> np.ndarray:
        """P(the unit answers the question) for each unit's features."""
        return self._units.probability([vector(f) for f in units])

    def answerable(self, best: Features, best_p: float) -> float:
        """P(the reports answer the question at all), from the best unit's features and
        probability (the question-level gate; the unit probability when there is none)."""
        if self.gate is None:
            return best_p
        return float(self.gate.probability([gate_row(best_p, best)])[0])

    def states(self, best: Features, best_p: float) -> float:
        """P(a report states what a comparison asks), from its best unit's features and
        probability (the report gate; the question gate when there is none)."""
        if self.report_gate is None:
            return self.answerable(best, best_p)
        return float(self.report_gate.probability([report_row(best_p, best)])[0])

    @classmethod
    def untrained(cls) -> AnswerModel:
        """Every unit equally likely (0.5): what training starts from."""
        n = len(FEATURES)
        return cls(
            {
                "features": list(FEATURES),
                "mean": [0.0] * n,
                "scale": [1.0] * n,
                "coef": [0.0] * n,
                "intercept": 0.0,
                "threshold": 0.5,
                "uncertain": 0.5,
            }
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> AnswerModel:
        """The packaged model (or another file written by `fit`)."""
        return cls(json.loads(path.read_text(encoding="utf-8")))


class _Logistic:
    """A standardised logistic regression read from its JSON form."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.mean = np.asarray(data["mean"], dtype=np.float64)
        self.scale = np.asarray(data["scale"], dtype=np.float64)
        self.coef = np.asarray(data["coef"], dtype=np.float64)
        self.intercept = float(data["intercept"])

    def probability(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        x = (np.asarray(rows, dtype=np.float64) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))


def fit_logistic(rows: list[list[float]], labels: list[int], c: float = 1.0) -> dict[str, Any]:
    """A standardised logistic regression (scikit-learn, training only) as JSON."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(rows, dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, np.asarray(labels))
    return {
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
    }


def fit(units: Sequence[Features], labels: list[int], data_hash: str) -> dict[str, Any]:
    """Fit the unit model and return its JSON form; the caller adds the question-level gate
    and the thresholds on the dev split."""
    return {
        "features": list(FEATURES),
        **fit_logistic([vector(f) for f in units], labels),
        "threshold": 0.5,
        "uncertain": 0.5,
        "training": {"units": len(labels), "positives": int(sum(labels)), "data_sha256": data_hash},
    }

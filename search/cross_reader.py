"""The second reader: a cross-encoder reads the question and each candidate unit together.

The first reader (`search.answer_scoring`) scores every unit of the passages from features
of a bi-encoder and the words they share; it is cheap and finds the answer among its first
few units, but cannot tell "topic present, fact absent" from an answer. The cross-encoder
(`indexer.embedding.cross`, trained by `rapportsok reader train`) reads its `candidates`
best units with the question and gives each a logit. Three small logistic regressions,
fitted on the dev split out of fold (`rapportsok eval --train-reader`), make that
calibrated:

* `unit`: P(the unit states the answer) from the cross-encoder's logit and the first
  reader's logit: the order of the candidates and `Answer.unit_probability`;
* `answerable`: P(the reports answer the question) from the best two candidates and the
  first reader's own gate: /ask's confidence, which abstains below `threshold`;
* `states`: P(a report states what a comparison asks), from the same for one report.

The gates decide only where calibration found them better than the first reader's own
gate (`decides`: "cross"); otherwise (`decides`: "first") the first reader's gates and
thresholds decide whether to answer, and the cross-encoder chooses what to quote.

The calibration is a JSON file beside this module (`cross_model.json`); the cross-encoder
file is ``cross_encoder.npz``. Without the cross-encoder file the first reader decides
alone, as before.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.embedding.cross import CrossEncoder, pair_text
from search.answer_scoring import ScoredUnit

if TYPE_CHECKING:
    from search.units import Unit

logger = logging.getLogger(__name__)

ENCODER_PATH = Path(__file__).with_name("cross_encoder.npz")
CALIBRATION_PATH = Path(__file__).with_name("cross_model.json")
UNIT_FEATURES = ("cross", "first")
GATE_FEATURES = ("best", "second", "support", "english", "first_gate")
_CLIP = 1e-6  # probabilities as logits stay finite


def logit(p: float) -> float:
    p = min(max(p, _CLIP), 1 - _CLIP)
    return math.log(p / (1 - p))


def in_context(text: str, title: str) -> str:
    """A unit as the cross-encoder reads it: its section title, then its answer text."""
    return f"{title}\n{text}" if title else text


def unit_in_context(unit: Unit) -> str:
    """`in_context` of a unit of a passage: the passage's innermost section title."""
    section = unit.hit.chunk.section
    return in_context(unit.answer_text(), section[-1] if section else "")


def pair_texts(question: str, units: Sequence[Unit]) -> list[str]:
    """What the cross-encoder reads for each of `units`."""
    return [pair_text(question, unit_in_context(u)) for u in units]


class Logistic:
    """A logistic regression over named inputs, read from its JSON form."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.names = tuple(data["names"])
        self.coef = np.asarray(data["coef"], dtype=np.float64)
        self.intercept = float(data["intercept"])

    def probability(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        x = np.asarray([[r[n] for n in self.names] for r in rows], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))


def fit_logistic(
    rows: Sequence[dict[str, float]], labels: Sequence[int], names: Sequence[str], c: float = 1.0
) -> dict[str, Any]:
    """A logistic regression's JSON form (scikit-learn, training only). The inputs are
    logits already, on one scale: no standardising, so the weights read as they act."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray([[r[n] for n in names] for r in rows], dtype=np.float64)
    model = LogisticRegression(C=c, max_iter=2000).fit(x, np.asarray(labels))
    return {
        "names": list(names),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
    }


class Calibration:
    """The three regressions, their thresholds and how many units the cross-encoder reads."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.unit = Logistic(data["unit"])
        self.gate = Logistic(data["answerable"])
        self.report_gate = Logistic(data["states"])
        self.candidates = int(data["candidates"])
        self.report_candidates = int(data["report_candidates"])
        self.threshold = float(data["threshold"])
        self.report_threshold = float(data["report_threshold"])
        self.uncertain = float(data["uncertain"])
        self.decides: str = data.get("decides", "cross")  # whose gates: "cross" or "first"

    @classmethod
    def load(cls, path: Path = CALIBRATION_PATH) -> Calibration:
        return cls(json.loads(path.read_text(encoding="utf-8")))


def gate_inputs(scored: Sequence[ScoredUnit], first_gate: float) -> dict[str, float]:
    """What the gates read of a question's (or a report's) rescored units, best first, and
    of the first reader's gate probability for it."""
    best = scored[0]
    second = scored[1].probability if len(scored) > 1 else 0.0
    return {
        "best": logit(best.probability),
        "second": logit(second),
        "support": best.features["support"],
        "english": best.features["english"],
        "first_gate": logit(first_gate),
    }


class CrossReader:
    """Rescores the first reader's best units with the cross-encoder."""

    def __init__(self, encoder: CrossEncoder, calibration: Calibration) -> None:
        self.encoder = encoder
        self.calibration = calibration

    def logits(self, question: str, units: Sequence[Unit]) -> np.ndarray:
        return self.encoder.logits(pair_texts(question, units))

    def rescore(
        self, question: str, scored: list[ScoredUnit], report: bool = False
    ) -> list[ScoredUnit]:
        """The first `candidates` units (`report_candidates` for a comparison's report) with
        calibrated probabilities, best first; the other units after them, unchanged in
        order, with probability 0 (the cross-encoder did not read them)."""
        c = self.calibration
        k = c.report_candidates if report else c.candidates
        top, rest = scored[:k], scored[k:]
        cross = self.logits(question, [s.unit for s in top])
        rows = [
            {**s.features, "cross": float(x), "first": logit(s.probability)}
            for s, x in zip(top, cross, strict=True)
        ]
        probs = c.unit.probability(rows)
        out = [ScoredUnit(float(p), s.unit, r) for p, s, r in zip(probs, top, rows, strict=True)]
        out.sort(key=lambda s: (-s.probability, s.unit.hit.rank, s.unit.start))
        return out + [ScoredUnit(0.0, s.unit, s.features) for s in rest]

    def answerable(self, scored: Sequence[ScoredUnit], first_gate: float) -> float:
        """/ask's confidence: P(the reports answer the question), from `rescore`'s units and
        the first reader's gate probability."""
        return float(self.calibration.gate.probability([gate_inputs(scored, first_gate)])[0])

    def states(self, scored: Sequence[ScoredUnit], first_gate: float) -> float:
        """P(a comparison's report states the fact), from `rescore`'s units of the report and
        the first reader's report gate."""
        rows = [gate_inputs(scored, first_gate)]
        return float(self.calibration.report_gate.probability(rows)[0])


@lru_cache(maxsize=1)
def packaged_cross_reader() -> CrossReader | None:
    """The shipped cross-encoder and calibration, loaded once per process (the engine holds
    its own copy of the weights); None when either file is missing."""
    if not (ENCODER_PATH.exists() and CALIBRATION_PATH.exists()):
        logger.warning("no cross-encoder (%s); the first reader answers alone", ENCODER_PATH.name)
        return None
    return CrossReader(CrossEncoder(ENCODER_PATH), Calibration.load())

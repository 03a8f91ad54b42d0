"""Answer scoring (the learned reader): how likely each answer unit of the top passages
answers a question.

A logistic regression over a few features of (question, unit) pairs, trained on the eval
set's dev split (`rapportsok eval --train-reader`), where a unit that contains a question's
value (or evidence) is a positive. Its probability is calibrated, so the best unit's
probability is the answer's confidence and one threshold chosen on dev decides when /ask
abstains. The model is a small JSON file beside this module: feature names, scaler,
weights, thresholds and the hash of the training data. Scoring needs numpy only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from search.question import PLAN, QuestionInfo, holds_type
from search.units import Unit

if TYPE_CHECKING:
    from search.retrieval import Searcher

MODEL_PATH = Path(__file__).with_name("answer_model.json")
FEATURES = (
    "coverage",
    "content_coverage",
    "content_matched",
    "passage_content_coverage",
    "label_coverage",
    "column_match",
    "year_match",
    "section_coverage",
    "holds_type",
    "quantity_question",
    "holds_quantity",
    "number_near_match",
    "first_match_at",
    "position",
    "rank_inv",
    "score_rel",
    "cosine",
    "support",
    "kind_sentence",
    "kind_item",
    "kind_row",
    "kind_cell",
    "cell_quantity",
    "log_words",
    "has_number",
    "capitalised",
    "english",
    "full_word_coverage",
    "year_in_passage",
    "plan_words",
    "plan_for_outcome",
    "party_question",
    "title_coverage",
)
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
_GATE_COLUMNS = [FEATURES.index(f) for f in GATE_FEATURES]
# What the report gate sees of a comparison report's best unit: whether the report speaks of
# the subject at all (its words, its passages' similarity and fused score) and whether the
# unit holds the kind of answer asked for. With ~100 reports to learn from, more features
# fit noise: out-of-fold AUC on dev 0.926 with these, 0.902 with `GATE_FEATURES`.
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
_REPORT_COLUMNS = [FEATURES.index(f) for f in REPORT_FEATURES]
_QUANTITY_TYPES = ("amount", "percentage", "date")
_NEAR_CHARS = 60  # a figure this close to a matched word is likely the one asked for
_DIGIT = re.compile(r"\d")
_CAPITALISED = re.compile(r"(?<=\s)[A-ZÅÄÖ][a-zåäöé]+")


@dataclass(frozen=True)
class Context:
    """What the features need of the question, computed once per question."""

    weights: dict[str, float]  # the question's analyzer terms and their IDF
    content: list[tuple[frozenset[str], float]]  # its content words: terms and IDF weight
    info: QuestionInfo
    support: float
    english: bool
    top_score: float
    cosines: dict[str, float]  # passage id → cosine with the question
    # passage id → the features its units share (filled by `features`)
    passages: dict[str, tuple[float, ...]] = field(default_factory=dict, compare=False)

    @cached_property
    def content_terms(self) -> frozenset[str]:
        """Every analyzer term of the question's content words."""
        return frozenset().union(*(t for t, _ in self.content))


def features(unit: Unit, ctx: Context, searcher: Searcher, position: float = 0.0) -> list[float]:
    """The feature vector of one unit, in the order of `FEATURES`; `position` is the
    unit's place in its passage (0 first, 1 last)."""
    total = sum(ctx.weights.values()) or 1.0
    content_total = sum(w for _, w in ctx.content) or 1.0
    spans_of = searcher.spans

    terms_of = searcher.terms

    def share(found: frozenset[str]) -> float:
        return sum(w for t, w in ctx.weights.items() if t in found) / total

    def content_share(found: frozenset[str]) -> float:
        return sum(w for terms, w in ctx.content if terms & found) / content_total

    text = unit.answer_text()
    spans = spans_of(text)
    found = terms_of(text)
    matched = [(s, e) for s, e, t in spans if t & ctx.content_terms]
    digits = [m.start() for m in _DIGIT.finditer(text)]
    near = any(
        abs(d - s) <= _NEAR_CHARS or abs(d - e) <= _NEAR_CHARS for s, e in matched for d in digits
    )
    column = unit.column or (unit.header or "")
    years = ctx.info.years
    year_match = 0.5 if not years else float(any(y in text or y in column for y in years))
    column_share = share(terms_of(unit.column)) if unit.kind == "cell" else 0.0
    column_match = max(column_share, float(bool(years) and any(y in unit.column for y in years)))
    quantity = float(ctx.info.answer_type in _QUANTITY_TYPES)
    holds = holds_type(unit.value if unit.kind == "cell" else text, ctx.info.answer_type)
    chunk = unit.hit.chunk
    passage = ctx.passages.get(chunk.id)
    if passage is None:  # what every unit of this passage shares, computed once
        passage_terms = terms_of(chunk.indexed_text)
        # A compound matched only through its parts ("skolbusskostnader" meets "skola",
        # "buss" and "kostnad" apart) is weaker evidence than the word itself: its longest
        # term.
        full = sum(w for terms, w in ctx.content if max(terms, key=len) in passage_terms)
        passage = ctx.passages[chunk.id] = (
            content_share(passage_terms),
            share(terms_of(" ".join(chunk.section))),
            full / content_total,
            float(any(y in chunk.indexed_text for y in years)) if years else 0.5,
        )
    passage_coverage, section_coverage, full_coverage, in_passage = passage
    plan = float(bool(PLAN.search(text)))
    return [
        share(found),
        content_share(found),
        float(sum(1 for terms, _ in ctx.content if terms & found)),
        passage_coverage,
        share(terms_of(unit.label)) if unit.label else 0.0,
        column_match,
        year_match,
        section_coverage,
        holds,
        quantity,
        holds * quantity,
        float(near),
        matched[0][0] / max(len(text), 1) if matched else 1.0,
        position,
        1.0 / unit.hit.rank,
        max(unit.hit.score, 0.0) / ctx.top_score if ctx.top_score > 0 else 0.0,
        ctx.cosines.get(chunk.id, 0.0),
        ctx.support,
        float(unit.kind == "sentence"),
        float(unit.kind == "item"),
        float(unit.kind == "row"),
        float(unit.kind == "cell"),
        float(unit.kind == "cell") * quantity,
        math.log1p(len(text.split())),
        float(any(map(str.isdigit, unit.value))),
        float(bool(_CAPITALISED.search(text))),
        float(ctx.english),
        full_coverage,
        in_passage,
        plan,
        plan * float(ctx.info.outcome),
        float(ctx.info.party),
        # A table's header row often names what the table is about in its first cell
        # ("Gemensam administration | Budget 2019 | …"): several tables share row labels.
        share(terms_of(unit.title)) if unit.title else 0.0,
    ]


def gate_row(best_p: float, best: Sequence[float]) -> list[float]:
    """The gate's input: the best unit's probability and its `GATE_FEATURES`."""
    return [best_p, *(best[i] for i in _GATE_COLUMNS)]


def report_row(best_p: float, best: Sequence[float]) -> list[float]:
    """The report gate's input: the best unit's probability and its `REPORT_FEATURES`."""
    return [best_p, *(best[i] for i in _REPORT_COLUMNS)]


class AnswerModel:
    """A fitted logistic regression: `probability(rows)` for feature rows."""

    def __init__(self, data: dict[str, Any]) -> None:
        gate_features = data.get("gate_features", list(GATE_FEATURES))
        report_features = data.get("report_features", list(REPORT_FEATURES))
        if (
            list(data["features"]) != list(FEATURES)
            or gate_features != list(GATE_FEATURES)
            or report_features != list(REPORT_FEATURES)
        ):
            raise ValueError(
                "the reader model was trained on other features; retrain it "
                "with `rapportsok eval --train-reader`"
            )
        self.data = data
        self.threshold = float(data["threshold"])
        self.uncertain = float(data["uncertain"])
        # A comparison is answered report by report, by its own gate and threshold; a model
        # trained before had none, and showed a report from half the question threshold.
        self.report_threshold = float(data.get("report_threshold", self.threshold / 2))

        gate = data.get("answerable")
        self.gate = _Logistic(gate) if gate else None
        report_gate = data.get("states")
        self.report_gate = _Logistic(report_gate) if report_gate else None

    def probability(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        """P(the unit answers the question) for each feature row."""
        return _Logistic(self.data).probability(rows)

    def answerable(self, best: Sequence[float], best_p: float) -> float:
        """P(the reports answer the question at all), from the best unit's features and
        probability (the question-level gate; the unit probability when there is none)."""
        if self.gate is None:
            return best_p
        return float(self.gate.probability([gate_row(best_p, best)])[0])

    def states(self, best: Sequence[float], best_p: float) -> float:
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


def fit(rows: list[list[float]], labels: list[int], data_hash: str) -> dict[str, Any]:
    """Fit the unit model and return its JSON form; the caller adds the question-level gate
    and the thresholds on the dev split."""
    return {
        "features": list(FEATURES),
        **fit_logistic(rows, labels),
        "threshold": 0.5,
        "uncertain": 0.5,
        "training": {"units": len(labels), "positives": int(sum(labels)), "data_sha256": data_hash},
    }

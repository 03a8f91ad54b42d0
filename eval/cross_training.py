"""The cross-encoder's calibration on the dev split (`rapportsok eval --train-reader`).

The cross-encoder itself is trained on public data (`rapportsok reader train`) and has
never seen a dev question, so its scores on dev are out of sample. What is fitted here is
small: the `search.cross_reader` regressions that turn its logit and the first reader's
into calibrated probabilities, their thresholds, and how many units it reads.

Everything is out of fold by question, as /ask meets questions it has not seen: the first
reader's probabilities come from unit models fitted without the question (they choose
which units the cross-encoder reads), and the thresholds are chosen on gate probabilities
from regressions fitted without it, over `DEALINGS` dealings of the folds (the question
threshold by balanced accuracy, the report threshold by `COMPLETE`, as the first reader's;
the first reader's gate probabilities, which the second gate may read, out of fold too).
How many units it reads and which inputs its gates have are chosen there as well (`train`);
each unit read costs about 3 ms on two cores.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eval.reader_training import (
    COMPLETE,
    DEALINGS,
    FOLDS,
    REPORT_SEP,
    TrainingRow,
    choose_report_threshold,
    choose_threshold,
    question_of,
)
from eval.reader_training import out_of_fold as first_gates_out_of_fold
from search.answer_scoring import AnswerModel, ScoredUnit, fit
from search.cross_reader import (
    GATE_FEATURES,
    UNIT_FEATURES,
    Logistic,
    fit_logistic,
    gate_inputs,
    logit,
    pair_texts,
)

if TYPE_CHECKING:
    from indexer.embedding.cross import CrossEncoder

CANDIDATE_CHOICES = (4, 6, 8, 12, 16)
# The gates' inputs tried: the cross-encoder's view alone, with the first reader's gate, and
# the first reader's gate alone (the cross-encoder then only chooses the unit).
GATES = {
    "cross": tuple(n for n in GATE_FEATURES if n != "first_gate"),
    "cross+first": GATE_FEATURES,
    "first": ("first_gate",),
}
REPORT_CANDIDATES = 6  # a comparison reads this many units per report (up to 10 reports)
GATE_C = 1.0  # four inputs, all logits or shares: little to regularise
# The cross reader's gates replace the first reader's only when their out-of-fold AUC on dev
# is this much higher: on ~230 questions a smaller difference is noise.
AUC_MARGIN = 0.02


class Read:
    """A training id's units as the cross reader sees them: the first reader's out-of-fold
    probability, the cross-encoder's logit (for the first `max(CANDIDATE_CHOICES)`), the
    features and the label; and the first reader's out-of-fold gate probability."""

    def __init__(
        self, key: str, rows: list[TrainingRow], first: list[float], first_gate: float
    ) -> None:
        order = sorted(range(len(rows)), key=lambda i: -first[i])
        self.key = key
        self.first_gate = first_gate
        self.rows = [rows[i] for i in order]
        self.first = [first[i] for i in order]
        self.cross: list[float] = []

    def inputs(self, k: int) -> list[dict[str, float]]:
        return [
            {**r.features, "cross": c, "first": logit(p)}
            for r, p, c in zip(self.rows[:k], self.first[:k], self.cross[:k], strict=False)
        ]

    def labels(self, k: int) -> list[int]:
        return [r.label for r in self.rows[:k]][: len(self.cross)]


def first_reader_out_of_fold(rows: list[TrainingRow], folds: int = FOLDS) -> list[float]:
    """Each row's first-reader probability from a unit model fitted without its question."""
    ids = sorted({question_of(r.key) for r in rows})
    out = [0.0] * len(rows)
    for k in range(folds):
        held = set(ids[k::folds])
        train = [r for r in rows if question_of(r.key) not in held]
        model = AnswerModel(fit([r.features for r in train], [r.label for r in train], ""))
        idx = [i for i, r in enumerate(rows) if question_of(r.key) in held]
        for i, p in zip(idx, model.probability([rows[i].features for i in idx]), strict=True):
            out[i] = float(p)
    return out


def reads(
    rows: list[TrainingRow],
    encoder: CrossEncoder,
    questions: dict[str, str],
    labels: tuple[dict[str, bool], dict[str, bool]],
) -> list[Read]:
    """Every training id's `Read`, the cross-encoder's logits filled in."""
    first = first_reader_out_of_fold(rows)
    gates = first_gates_out_of_fold(rows, labels)
    by_key: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_key.setdefault(r.key, []).append(i)
    out = []
    for key, idx in by_key.items():
        read = Read(key, [rows[i] for i in idx], [first[i] for i in idx], gates.get(key, 0.5))
        k = REPORT_CANDIDATES if REPORT_SEP in key else max(CANDIDATE_CHOICES)
        units = [r.unit for r in read.rows[:k] if r.unit is not None]
        texts = pair_texts(questions[question_of(key)], units)
        read.cross = [float(x) for x in encoder.logits(texts)]
        out.append(read)
    return out


def _rescored(read: Read, k: int, unit_model: dict[str, Any]) -> tuple[list[ScoredUnit], bool]:
    """The first `k` units rescored as `CrossReader.rescore` does, best first, and whether
    the best answers."""
    inputs = read.inputs(k)
    probs = Logistic(unit_model).probability(inputs)
    scored = [
        ScoredUnit(float(p), r.unit, x)  # type: ignore[arg-type]
        for p, r, x in zip(probs, read.rows, inputs, strict=False)
    ]
    order = sorted(range(len(scored)), key=lambda i: -scored[i].probability)
    return [scored[i] for i in order], bool(read.labels(k)[order[0]])


def _fit(
    reads_: Sequence[Read],
    k: int,
    answerable: dict[str, bool],
    states: dict[str, bool],
    names: Sequence[str] = GATE_FEATURES,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The three regressions on `reads_` with `k` candidates per question, the gates over
    `names`."""
    units, labels = [], []
    for r in reads_:
        n = REPORT_CANDIDATES if REPORT_SEP in r.key else k
        units += r.inputs(n)
        labels += r.labels(n)
    unit = fit_logistic(units, labels, UNIT_FEATURES)
    gates: dict[str, Any] = {}
    for name, target in (("answerable", answerable), ("states", states)):
        rows, ys = [], []
        for r in reads_:
            if r.key in target and r.cross:
                n = REPORT_CANDIDATES if REPORT_SEP in r.key else k
                rows.append(gate_inputs(_rescored(r, n, unit)[0], r.first_gate))
                ys.append(int(target[r.key]))
        gates[name] = fit_logistic(rows, ys, names, c=GATE_C)
    return unit, gates["answerable"], gates["states"]


def _gate_probability(read: Read, scored: list[ScoredUnit], gate: dict[str, Any]) -> float:
    return float(Logistic(gate).probability([gate_inputs(scored, read.first_gate)])[0])


def out_of_fold(
    reads_: list[Read],
    k: int,
    labels: tuple[dict[str, bool], dict[str, bool]],
    dealing: int,
    names: Sequence[str] = GATE_FEATURES,
) -> tuple[dict[str, float], dict[str, bool]]:
    """Each training id's gate probability, and whether its best unit answers, from the
    regressions fitted without its question."""
    answerable, states = labels
    ids = sorted({question_of(r.key) for r in reads_})
    if dealing:
        random.Random(dealing).shuffle(ids)
    probs: dict[str, float] = {}
    hit: dict[str, bool] = {}
    for f in range(FOLDS):
        held = set(ids[f::FOLDS])
        unit, gate, report_gate = _fit(
            [r for r in reads_ if question_of(r.key) not in held], k, answerable, states, names
        )
        for r in reads_:
            if question_of(r.key) not in held or not r.cross:
                continue
            report = REPORT_SEP in r.key
            scored, hit[r.key] = _rescored(r, REPORT_CANDIDATES if report else k, unit)
            probs[r.key] = _gate_probability(r, scored, report_gate if report else gate)
    return probs, hit


def answer_hit(
    probs: dict[str, float], hit: dict[str, bool], answerable: dict[str, bool], threshold: float
) -> float:
    """Share of answerable dev questions answered with a unit that answers."""
    keys = [k for k in answerable if answerable[k] and k in probs]
    return sum(probs[k] >= threshold and hit[k] for k in keys) / max(len(keys), 1)


def auc(probs: dict[str, float], answerable: dict[str, bool]) -> float:
    """How well `probs` rank answerable dev questions above unanswerable ones (ties half)."""
    pos = [p for k, p in probs.items() if answerable.get(k)]
    neg = [p for k, p in probs.items() if k in answerable and not answerable[k]]
    pairs = [(a > b) + 0.5 * (a == b) for a in pos for b in neg]
    return sum(pairs) / max(len(pairs), 1)


def train(
    rows: list[TrainingRow],
    questions: dict[str, str],
    labels: tuple[dict[str, bool], dict[str, bool]],
    encoder: CrossEncoder,
) -> dict[str, Any]:
    """The calibration's JSON form (see the module docstring), with the dev figures it was
    chosen on. The cross reader's gates decide only if one of them tells answerable from
    unanswerable dev questions better than the first reader's own gate (out-of-fold AUC
    higher by `AUC_MARGIN`); then of every number of units read and gate, the one with the
    best mean of out-of-fold answer-hit and abstention on unanswerable questions. Otherwise
    the first reader's gates decide and the cross-encoder only chooses the unit: the number
    of units with the best out-of-fold answer-hit under the first reader's gate (ties:
    fewer units)."""
    answerable, states = labels
    all_reads = reads(rows, encoder, questions, labels)
    unans = [k_ for k_ in answerable if not answerable[k_]]
    table: dict[str, dict[str, Any]] = {}
    runs_by: dict[str, list[tuple[dict[str, float], dict[str, bool]]]] = {}
    for gate_name, names in GATES.items():
        for k in CANDIDATE_CHOICES:
            key = f"{gate_name}, {k} units"
            runs = [out_of_fold(all_reads, k, labels, d, names) for d in range(DEALINGS)]
            runs_by[key] = runs
            q_runs = [{q: p for q, p in probs.items() if q in answerable} for probs, _ in runs]
            t = choose_threshold(q_runs, answerable)
            hits = [answer_hit(p, h, answerable, t) for p, h in runs]
            abst = [sum(p.get(q, 0.0) < t for q in unans) / max(len(unans), 1) for p, _ in runs]
            table[key] = {
                "gate": gate_name,
                "candidates": k,
                "threshold": t,
                "auc": round(sum(auc(p, answerable) for p in q_runs) / len(q_runs), 4),
                "answer_hit": round(sum(hits) / len(hits), 4),
                "abstains_unanswerable": round(sum(abst) / len(abst), 4),
            }
    first_runs = [first_gates_out_of_fold(rows, labels, dealing=d) for d in range(DEALINGS)]
    first_auc = sum(auc(r, answerable) for r in first_runs) / len(first_runs)
    best_auc = max(v["auc"] for v in table.values() if v["gate"] != "first")
    decides = "cross" if best_auc >= first_auc + AUC_MARGIN else "first"
    candidates = [c for c in table if (table[c]["gate"] == "first") == (decides == "first")]

    def merit(c: str) -> tuple[float, int]:
        v = table[c]
        score = v["answer_hit"] + (v["abstains_unanswerable"] if decides == "cross" else 0)
        return round(score, 3), -v["candidates"]

    chosen = max(candidates, key=merit)
    k, names = int(table[chosen]["candidates"]), GATES[str(table[chosen]["gate"])]
    unit, gate, report_gate = _fit(all_reads, k, answerable, states, names)
    s_runs = [{q: p for q, p in probs.items() if q in states} for probs, _ in runs_by[chosen]]
    return {
        "unit": unit,
        "answerable": gate,
        "states": report_gate,
        "decides": decides,
        "candidates": k,
        "report_candidates": REPORT_CANDIDATES,
        "threshold": table[chosen]["threshold"],
        "report_threshold": choose_report_threshold(s_runs, states),
        # A quote less likely right than wrong is shown as uncertain ("Osäkert svar").
        "uncertain": 0.5,
        "training": {
            "encoder_sha256": encoder.sha256,
            "questions": len({question_of(r.key) for r in all_reads}),
            "units_read": sum(len(r.cross) for r in all_reads),
            "complete_target": COMPLETE,
            "chosen": chosen,
            "first_gate_auc": round(first_auc, 4),
            "dev_out_of_fold": table,
        },
    }

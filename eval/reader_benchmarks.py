"""`rapportsok eval --reader-benchmarks`: the readers on public QA sets they never trained on.

The held-out parts of Swedish SQuAD 2.0 (a quarter of its articles), SweQUAD-MC test and
NorQuAD test (`reader_model.pairs`; read from ``../shared/reader-data``). Each question
comes with its paragraph; a reader scores the paragraph's answer units (the units /ask
reads) and we measure

* rank 1: the share of answerable questions whose best-scored unit holds the answer;
* AUC: how well the question's score (its best unit's) tells answerable questions from
  unanswerable ones (Swedish SQuAD 2.0 only: the other two have no unanswerable ones).

Readers: the first reader (`search.answer_scoring`, features over the paragraph as the only
passage, its question gate as the question's score), the plain bi-encoder cosine of
question and unit (what the first reader's semantic features are made of) and the
cross-encoder as served (the engine, not torch; its best logit as the question's score).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.embedding.cross import CrossEncoder, pair_text
from indexer.models import Hit
from reader_model.pairs import QAQuestion, SourceName, load_dataset
from search.units import units

if TYPE_CHECKING:
    from search.answer import Answerer

BENCHMARKS: tuple[tuple[SourceName, str], ...] = (
    ("squad-sv", "Swedish SQuAD 2.0, held-out articles"),
    ("swequad-mc", "SweQUAD-MC test"),
    ("norquad", "NorQuAD test"),
)
# A question's scores: one per unit, in the paragraph's order, and the question's own.
Scores = tuple[np.ndarray, float]


def rank1(questions: Sequence[QAQuestion], scores: Sequence[Scores]) -> float:
    """Share of answerable questions (with a unit holding the answer) whose best unit does."""
    hits = [
        q.labels[int(np.argmax(s))]
        for q, (s, _) in zip(questions, scores, strict=True)
        if q.has_positive and len(s)
    ]
    return float(np.mean(hits)) if hits else float("nan")


def auc(questions: Sequence[QAQuestion], scores: Sequence[Scores]) -> float | None:
    """Area under the ROC curve of answerable against unanswerable questions (None when
    there is only one kind), ties counted half."""
    pos = np.array([s for q, (_, s) in zip(questions, scores, strict=True) if q.answerable])
    neg = np.array([s for q, (_, s) in zip(questions, scores, strict=True) if not q.answerable])
    if not len(pos) or not len(neg):
        return None
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def cross_scores(encoder: CrossEncoder, questions: Sequence[QAQuestion]) -> list[Scores]:
    texts = [pair_text(q.question, u) for q in questions for u in q.units]
    logits = encoder.logits(texts)
    out, at = [], 0
    for q in questions:
        s = logits[at : at + len(q.units)]
        out.append((s, float(s.max()) if len(s) else -1e9))
        at += len(q.units)
    return out


def cosine_scores(
    answerer: Answerer, questions: Sequence[QAQuestion], qv: np.ndarray
) -> list[Scores]:
    encoder = answerer.searcher.encoder
    texts = sorted({u for q in questions for u in q.units})
    vecs = dict(zip(texts, encoder.encode_documents(texts), strict=True))
    out = []
    for i, q in enumerate(questions):
        s = np.array([float(vecs[u] @ qv[i]) for u in q.units])
        out.append((s, float(s.max()) if len(s) else -1.0))
    return out


def first_reader_scores(
    answerer: Answerer, questions: Sequence[QAQuestion], qv: np.ndarray
) -> list[Scores]:
    """The first reader's unit probabilities and gate, the paragraph its only passage
    (`qv`: the questions' query vectors)."""
    searcher = answerer.searcher
    passages = {q.passage.id: q.passage for q in questions if q.passage is not None}
    pv = dict(
        zip(
            passages,
            searcher.encoder.encode_documents([p.text for p in passages.values()]),
            strict=True,
        )
    )
    out = []
    for i, q in enumerate(questions):
        assert q.passage is not None
        hit = Hit(q.passage, 1.0, 1)
        ctx = answerer.context(q.question, [hit], qv[i])
        ctx = replace(ctx, cosines={q.passage.id: float(pv[q.passage.id] @ qv[i])})
        scored = answerer.scored_units(q.question, [hit], qv[i], ctx)
        by_start = {s.unit.start: s.probability for s in scored}
        probs = np.array([by_start.get(u.start, 0.0) for u in units(hit)])
        gate = answerer.model.answerable(scored[0].features, scored[0].probability) if scored else 0
        out.append((probs, float(gate)))
    return out


def run(answerer: Answerer, encoder: CrossEncoder | None, limit: int | None = None) -> dict:
    """Every reader on every benchmark: {benchmark: {reader: {rank1, auc, questions}}}
    (the first `limit` questions of each, for a quick look)."""
    data = load_dataset()
    readers: dict[str, Callable[[Sequence[QAQuestion], np.ndarray], list[Scores]]] = {
        "first reader": lambda qs, qv: first_reader_scores(answerer, qs, qv),
        "bi-encoder cosine": lambda qs, qv: cosine_scores(answerer, qs, qv),
    }
    if encoder is not None:
        readers["cross-encoder"] = lambda qs, _: cross_scores(encoder, qs)
    result: dict[str, Any] = {}
    for source, name in BENCHMARKS:
        questions = data.select(source, "heldout")[:limit]
        # embedded once for the readers that read them (not timed)
        qv = answerer.searcher.encoder.encode_queries([q.question for q in questions])
        result[name] = {}
        for reader, score in readers.items():
            t0 = time.perf_counter()
            scores = score(questions, qv)
            result[name][reader] = {
                "rank1": round(rank1(questions, scores), 4),
                "auc": None if (a := auc(questions, scores)) is None else round(a, 4),
                "questions": len(questions),
                "seconds": round(time.perf_counter() - t0, 1),
            }
    return result


def table(result: dict) -> str:
    """The figures as a Markdown table: a row per reader, rank 1 / AUC per benchmark."""
    names = list(result)
    readers = list(next(iter(result.values())))
    head = "| reader | " + " | ".join(f"{n}: rank 1 / AUC" for n in names) + " |"
    lines = [head, "|---" * (len(names) + 1) + "|"]
    for r in readers:
        cells = []
        for n in names:
            f = result[n][r]
            a = "–" if f["auc"] is None else f"{f['auc']:.3f}"
            cells.append(f"{f['rank1']:.3f} / {a}")
        lines.append(f"| {r} | " + " | ".join(cells) + " |")
    return "\n".join(lines)

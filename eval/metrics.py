"""Retrieval metrics over ranked relevance lists, evidence matching and the question set.

A relevance list is a sequence of bools, best-ranked first: ``relevance[i]`` says whether
the passage at rank ``i + 1`` is relevant (for Rapportsök: contains a question's evidence).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from rapportsok.text import fold_cells, fold_whitespace

QuestionType = Literal[
    "fact", "table", "paraphrase", "section", "keyword", "comparison", "unanswerable", "english"
]
Split = Literal["dev", "test"]

QUESTIONS_PATH = Path(__file__).with_name("questions.jsonl")


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def hit_at_k(relevance: Sequence[bool], k: int) -> float:
    """1.0 if any of the top ``k`` results is relevant, else 0.0."""
    _check_k(k)
    return 1.0 if any(relevance[:k]) else 0.0


def mrr_at_k(relevance: Sequence[bool], k: int) -> float:
    """Reciprocal rank of the first relevant result within the top ``k`` (0.0 if none)."""
    _check_k(k)
    for rank, relevant in enumerate(relevance[:k], start=1):
        if relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevance: Sequence[bool], k: int, n_relevant: int | None = None) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary gain.

    DCG = sum over relevant ranks r <= k of 1 / log2(r + 1). The ideal DCG puts
    ``min(n, k)`` relevant results at ranks 1, 2, ..., where ``n`` is ``n_relevant`` (the
    number of relevant passages that exist) if given, else the number of relevant results
    within the top ``k`` (so only their order is judged). Returns 0.0 when no result in the
    top ``k`` is relevant. ``n_relevant`` smaller than the relevant results found in the top
    ``k`` is a contradiction and raises ``ValueError``.
    """
    _check_k(k)
    top = [bool(r) for r in relevance[:k]]
    found = sum(top)
    if n_relevant is not None and n_relevant < found:
        raise ValueError(
            f"n_relevant must be at least the {found} relevant results in the top {k}, "
            f"got {n_relevant}"
        )
    if found == 0:
        return 0.0
    n = found if n_relevant is None else n_relevant
    dcg = sum(1.0 / math.log2(rank + 1) for rank, r in enumerate(top, start=1) if r)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n, k) + 1))
    return dcg / ideal


def contains_evidence(text: str, evidence: Sequence[str]) -> bool:
    """True if ``text`` contains any evidence string (whitespace and cell separators folded,
    case-sensitive)."""
    folded = fold_cells(text)
    return any(fold_cells(e) in folded for e in evidence if e.strip())


class Question(BaseModel):
    """One evaluation question; ``evidence`` are verbatim snippets a correct passage contains.

    Unanswerable questions have no ``doc_ids`` and no ``evidence``; every other question
    names the report(s) that answer it (two or more for ``comparison``). ``value`` is the
    minimal string a correct answer contains, exactly as printed ("6,4 %"); a comparison
    may give one per report in ``values``. Questions without a specific answer have neither.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    question: str
    type: QuestionType
    doc_ids: tuple[str, ...]
    evidence: tuple[str, ...]
    split: Split
    value: str | None = None
    values: dict[str, str] | None = None

    @property
    def answerable(self) -> bool:
        """Whether the corpus answers the question."""
        return bool(self.doc_ids)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.type == "unanswerable":
            if self.doc_ids or self.evidence:
                raise ValueError("an unanswerable question has no doc_ids and no evidence")
        elif not self.doc_ids or not self.evidence:
            raise ValueError(f"a {self.type} question needs doc_ids and evidence")
        if self.value is not None and not any(
            fold_whitespace(self.value) in fold_whitespace(e) for e in self.evidence
        ):
            raise ValueError(f"value {self.value!r} is in none of the evidence strings")
        if self.values and not set(self.values) <= set(self.doc_ids):
            raise ValueError(f"values name reports outside doc_ids: {sorted(self.values)}")
        if self.type == "comparison" and len(self.doc_ids) < 2:
            raise ValueError(f"a comparison question needs two or more doc_ids, got {self.doc_ids}")
        return self


def load_questions(
    path: Path | None = None, split: Literal["dev", "test", "all"] = "all"
) -> list[Question]:
    """Read the question set (JSON Lines; default: the packaged ``questions.jsonl``)."""
    if split not in ("dev", "test", "all"):
        raise ValueError(f"split must be 'dev', 'test' or 'all', got {split!r}")
    path = QUESTIONS_PATH if path is None else path
    questions: list[Question] = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                question = Question.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise ValueError(f"{path}:{lineno}: invalid question: {exc}") from exc
            if split == "all" or question.split == split:
                questions.append(question)
    return questions

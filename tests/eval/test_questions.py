"""The question set: well-formed, stratified, and every evidence string is in its report."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import get_args

import pytest

from eval.metrics import Question, QuestionType, load_questions
from rapportsok.text import fold_whitespace

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
QUESTIONS = load_questions()


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    """Whitespace-folded text of each report, by document id (file name stem)."""
    return {p.stem: fold_whitespace(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}


@pytest.fixture(scope="module")
def report_lines() -> dict[str, list[str]]:
    """Whitespace-folded lines of each report, by document id."""
    return {
        p.stem: [fold_whitespace(line) for line in p.read_text(encoding="utf-8").splitlines()]
        for p in CORPUS.glob("*.txt")
    }


def test_at_least_250_questions_with_the_hard_kinds() -> None:
    counts = Counter(q.type for q in QUESTIONS)
    assert len(QUESTIONS) >= 250
    assert counts["unanswerable"] >= 60
    assert counts["comparison"] >= 30
    assert counts["table"] >= 40


def test_most_answerable_questions_carry_a_value() -> None:
    answerable = [q for q in QUESTIONS if q.answerable and q.type != "comparison"]
    with_value = [q for q in answerable if q.value]
    assert len(with_value) / len(answerable) >= 0.6


def test_values_are_printed_in_their_reports(reports: dict[str, str]) -> None:
    for q in QUESTIONS:
        if q.value:
            assert any(fold_whitespace(q.value) in reports[d] for d in q.doc_ids), q.id
        for doc_id, value in (q.values or {}).items():
            assert fold_whitespace(value) in reports[doc_id], (q.id, doc_id)


def test_ids_and_questions_unique() -> None:
    ids = [q.id for q in QUESTIONS]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"q\d{3,4}", i) for i in ids)
    assert len({q.question for q in QUESTIONS}) == len(QUESTIONS)


def test_every_type_present() -> None:
    counts = Counter(q.type for q in QUESTIONS)
    assert set(counts) == set(get_args(QuestionType))
    assert counts["english"] >= 5
    assert counts["comparison"] >= 5


def test_unanswerable_have_no_evidence() -> None:
    unanswerable = [q for q in QUESTIONS if q.type == "unanswerable"]
    assert len(unanswerable) >= 8
    assert all(q.evidence == () and q.doc_ids == () and not q.answerable for q in unanswerable)
    assert all(q.answerable for q in QUESTIONS if q.type != "unanswerable")


def test_doc_ids_name_reports(reports: dict[str, str]) -> None:
    assert len(reports) == 4
    for q in QUESTIONS:
        assert set(q.doc_ids) <= set(reports), q.id
        assert len(set(q.doc_ids)) == len(q.doc_ids), q.id


def test_reports_roughly_balanced(reports: dict[str, str]) -> None:
    counts = Counter(d for q in QUESTIONS for d in q.doc_ids)
    total = sum(counts.values())
    for doc_id in reports:
        assert counts[doc_id] / total >= 0.15, (doc_id, counts)


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q.answerable], ids=lambda q: q.id)
def test_evidence_occurs_in_its_reports(
    q: Question, reports: dict[str, str], report_lines: dict[str, list[str]]
) -> None:
    for evidence in q.evidence:
        assert 8 <= len(evidence) <= 120, evidence
        assert "**" not in evidence and "<" not in evidence, evidence
        folded = fold_whitespace(evidence)
        assert any(folded in reports[d] for d in q.doc_ids), evidence
        # A passage boundary rarely splits a line; evidence crossing lines would be fragile.
        assert any(folded in line for d in q.doc_ids for line in report_lines[d]), evidence


@pytest.mark.parametrize("q", [q for q in QUESTIONS if q.type == "comparison"], ids=lambda q: q.id)
def test_comparison_has_evidence_in_each_report(q: Question, reports: dict[str, str]) -> None:
    assert len(q.doc_ids) >= 2
    for doc_id in q.doc_ids:
        assert any(fold_whitespace(e) in reports[doc_id] for e in q.evidence), doc_id


def test_splits_roughly_60_40_and_stratified() -> None:
    dev = load_questions(split="dev")
    test = load_questions(split="test")
    assert dev and test
    assert {q.id for q in dev} | {q.id for q in test} == {q.id for q in QUESTIONS}
    assert not {q.id for q in dev} & {q.id for q in test}
    assert 0.55 <= len(dev) / len(QUESTIONS) <= 0.65
    for qtype in get_args(QuestionType):
        of_type = [q for q in QUESTIONS if q.type == qtype]
        n_dev = sum(q.split == "dev" for q in of_type)
        # round(0.6 * n) give or take one per type
        assert abs(n_dev - 0.6 * len(of_type)) <= 1, (qtype, n_dev, len(of_type))


def test_load_rejects_bad_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    good = QUESTIONS[0].model_dump_json()
    bad = '{"id": "q999", "question": "x", "type": "unanswerable", "doc_ids": ["a"], '
    bad += '"evidence": [], "split": "dev"}'
    path.write_text(f"{good}\n\n{bad}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"questions\.jsonl:3: invalid question"):
        load_questions(path)


def test_load_roundtrip_and_bad_split(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(QUESTIONS[0].model_dump_json() + "\n", encoding="utf-8")
    assert load_questions(path) == [QUESTIONS[0]]
    with pytest.raises(ValueError, match="split must be"):
        load_questions(path, split="train")  # type: ignore[arg-type]

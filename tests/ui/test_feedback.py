"""Feedback: votes in SQLite, exported as eval questions through `rapportsok feedback export`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from eval.metrics import load_questions
from rapportsok.cli import main
from ui import feedback

ROW = "<b>Mått</b>\t<b>2021 jan-juni</b>\nSjukfrånvaro samtliga kommunanställda\t6,4 %"
UP = feedback.Vote(
    rating="up",
    question="Hur hög var sjukfrånvaron i Timrå 2021?",
    answer="Sjukfrånvaro samtliga kommunanställda, 2021 jan-juni: 6,4 % [1]",
    answered=True,
    passage_ids=("timra#12",),
    doc_ids=("timra-kommunstyrelsen-delarsrapport-2021",),
    quotes=(ROW,),
    index_version="2026-03-05T10:00:00+00:00 4r/286s",
    answer_type="percentage",
)
DOWN = UP.__class__(**{**UP.__dict__, "rating": "down", "comment": " Fel år "})
ABSTAINED = feedback.Vote(
    rating="up",
    question="Hur många invånare har Göteborg?",
    answer=None,
    answered=False,
    passage_ids=("a#1", "b#2"),
    doc_ids=(),
    quotes=(),
    index_version="v1",
)


def test_votes_are_stored_with_question_answer_passages_and_index(tmp_path: Path) -> None:
    db = feedback.feedback_path(tmp_path / "data" / "index")
    assert db == tmp_path / "data" / "feedback.sqlite3"
    assert feedback.load(db) == []
    assert [feedback.save(db, v) for v in (UP, DOWN)] == [1, 2]
    up, down = feedback.load(db)
    assert up == UP.__class__(**{**UP.__dict__, "created": up.created})
    assert (down.rating, down.comment, down.passage_ids) == ("down", "Fel år", ("timra#12",))
    assert up.created.endswith("+00:00")


def test_a_bad_rating_is_refused(tmp_path: Path) -> None:
    bad = UP.__class__(**{**UP.__dict__, "rating": "meh"})
    with pytest.raises(ValueError, match="rating must be 'up' or 'down', got 'meh'"):
        feedback.save(tmp_path / "f.sqlite3", bad)


def test_export_writes_eval_questions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "f.sqlite3"
    for v in (UP, ABSTAINED, DOWN):
        feedback.save(db, v)
    out = tmp_path / "fb.jsonl"
    assert main(["feedback", "export", "--db", str(db), "--out", str(out)]) == 0
    assert capsys.readouterr().out == (
        f"wrote 3 questions to {out}: 2 ready for the eval set, "
        "1 drafts (👎) whose evidence a person must fill in; the readers' votes and "
        f"comments to {tmp_path / 'fb.feedback.jsonl'}\n"
    )
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {
            "id": "fb0001",
            "question": "Hur hög var sjukfrånvaron i Timrå 2021?",
            "type": "fact",
            "doc_ids": ["timra-kommunstyrelsen-delarsrapport-2021"],
            "evidence": ["Sjukfrånvaro samtliga kommunanställda 6,4 %"],
            "split": "dev",
        },
        {
            "id": "fb0002",
            "question": "Hur många invånare har Göteborg?",
            "type": "unanswerable",
            "doc_ids": [],
            "evidence": [],
            "split": "dev",
        },
        {
            "id": "fb0003",
            "question": "Hur hög var sjukfrånvaron i Timrå 2021?",
            "type": "fact",
            "doc_ids": ["timra-kommunstyrelsen-delarsrapport-2021"],
            "evidence": [],
            "split": "dev",
        },
    ]
    # The ready ones load as eval questions as they are.
    ready = tmp_path / "ready.jsonl"
    ready.write_text("".join(out.read_text(encoding="utf-8").splitlines(True)[:2]), "utf-8")
    assert [q.id for q in load_questions(ready)] == ["fb0001", "fb0002"]


def test_export_without_feedback_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "none.sqlite3"
    assert main(["feedback", "export", "--db", str(db), "--out", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err == (
        f"rapportsok: error: no feedback in {db} yet (readers give it with 👍/👎 in the UI)\n"
    )


def test_abstention_votes_and_comments_are_exported(tmp_path: Path) -> None:
    db = tmp_path / "f.sqlite3"
    wrong = replace(ABSTAINED, rating="down", comment="Det står i Timrås delårsrapport, s. 4.")
    feedback.save(db, replace(ABSTAINED, comment="Rätt att inte svara."))
    feedback.save(db, wrong)
    out = tmp_path / "fb.jsonl"
    ready, drafts = feedback.export_jsonl(feedback.load(db), out)
    assert (ready, drafts) == (1, 1)
    questions = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # 👍 on "Inget svar": an unanswerable question; 👎: a draft a person completes.
    assert [(q["id"], q["type"], q["evidence"]) for q in questions] == [
        ("fb0001", "unanswerable", []),
        ("fb0002", "fact", []),
    ]
    said = [json.loads(line) for line in feedback.feedback_out(out).read_text("utf-8").splitlines()]
    assert feedback.feedback_out(out) == tmp_path / "fb.feedback.jsonl"
    assert [(r["id"], r["rating"], r["comment"], r["answered"], r["answer"]) for r in said] == [
        ("fb0001", "up", "Rätt att inte svara.", False, None),
        ("fb0002", "down", "Det står i Timrås delårsrapport, s. 4.", False, None),
    ]


def test_export_help_documents_both_files(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["feedback", "export", "--help"])
    out = capsys.readouterr().out
    for words in ("eval/questions.jsonl", "unanswerable", ".feedback.jsonl", "comment", "draft"):
        assert words in out

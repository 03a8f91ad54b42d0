"""Readers' 👍/👎 on answers, kept in a small SQLite file in the data folder, and their export
as questions in the eval set's format, so that a failed answer can become an eval question.

The UI writes here directly (it runs next to the data folder); nothing of it goes through
the API. One row per vote: the question, the answer as shown, the passages it cited and the
index it came from, so a vote can be traced after the index has changed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Rating = Literal["up", "down"]
FILENAME = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT,
    answered INTEGER NOT NULL,
    answer_type TEXT NOT NULL DEFAULT 'other',
    comparison INTEGER NOT NULL DEFAULT 0,
    passage_ids TEXT NOT NULL,
    doc_ids TEXT NOT NULL,
    quotes TEXT NOT NULL,
    index_version TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Vote:
    """One reader's verdict on one answer."""

    rating: Rating
    question: str
    answer: str | None
    answered: bool
    passage_ids: tuple[str, ...]
    doc_ids: tuple[str, ...]
    quotes: tuple[str, ...]
    index_version: str
    comment: str = ""
    answer_type: str = "other"
    comparison: bool = False
    created: str = ""


def feedback_path(index_dir: Path) -> Path:
    """The database next to the index: `data/index` → `data/feedback.sqlite3`."""
    return Path(index_dir).parent / FILENAME


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=10)) as db:
        db.execute(_SCHEMA)
        with db:  # one transaction, committed on leaving
            yield db


def save(path: Path, vote: Vote) -> int:
    """Store `vote`; returns its row id."""
    if vote.rating not in ("up", "down"):
        raise ValueError(f"rating must be 'up' or 'down', got {vote.rating!r}")
    created = vote.created or datetime.now(UTC).isoformat(timespec="seconds")
    with _connect(path) as db:
        cur = db.execute(
            "INSERT INTO feedback (created, rating, comment, question, answer, answered, "
            "answer_type, comparison, passage_ids, doc_ids, quotes, index_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                created,
                vote.rating,
                vote.comment.strip(),
                vote.question,
                vote.answer,
                int(vote.answered),
                vote.answer_type,
                int(vote.comparison),
                json.dumps(list(vote.passage_ids)),
                json.dumps(list(vote.doc_ids)),
                json.dumps(list(vote.quotes), ensure_ascii=False),
                vote.index_version,
            ),
        )
        return int(cur.lastrowid or 0)


def load(path: Path) -> list[Vote]:
    """Every stored vote, oldest first (none when the database does not exist yet)."""
    if not path.exists():
        return []
    with _connect(path) as db:
        rows = db.execute(
            "SELECT rating, question, answer, answered, passage_ids, doc_ids, quotes, "
            "index_version, comment, answer_type, comparison, created FROM feedback ORDER BY id"
        ).fetchall()
    return [
        Vote(
            rating=r[0],
            question=r[1],
            answer=r[2],
            answered=bool(r[3]),
            passage_ids=tuple(json.loads(r[4])),
            doc_ids=tuple(json.loads(r[5])),
            quotes=tuple(json.loads(r[6])),
            index_version=r[7],
            comment=r[8],
            answer_type=r[9],
            comparison=bool(r[10]),
            created=r[11],
        )
        for r in rows
    ]


def _evidence(quote: str) -> str:
    """A quote as the eval set's evidence: the row itself for a table quote (its header row
    is shown to readers but stands elsewhere in the report), whitespace folded."""
    lines = [line for line in quote.split("\n") if line.strip()]
    return " ".join((lines[-1] if lines else quote).split())


def as_question(n: int, vote: Vote) -> dict[str, object]:
    """A vote as an eval question (eval/questions.jsonl's keys, nothing more).

    👍 on an answer: its quotes are the evidence. 👍 on an abstention: the reports do not
    answer it, an unanswerable question. 👎: a draft whose evidence a person fills in (on
    an answer the cited reports are kept as a hint; `load_questions` refuses a draft until
    then, on purpose).
    """
    up = vote.rating == "up"
    if not vote.answered:
        kind = "unanswerable" if up else "fact"
        doc_ids: list[str] = []
        evidence: list[str] = []
    else:
        kind = "comparison" if vote.comparison and len(set(vote.doc_ids)) > 1 else "fact"
        doc_ids = list(dict.fromkeys(vote.doc_ids))
        evidence = [_evidence(q) for q in vote.quotes] if up else []
    return {
        "id": f"fb{n:04d}",
        "question": vote.question,
        "type": kind,
        "doc_ids": doc_ids,
        "evidence": evidence,
        "split": "dev",
    }


def as_feedback(n: int, vote: Vote) -> dict[str, object]:
    """What the reader said about question `fb{n:04d}`: the vote, the comment, the answer
    shown (None for an abstention) and when and from which index."""
    return {
        "id": f"fb{n:04d}",
        "rating": vote.rating,
        "comment": vote.comment,
        "answered": vote.answered,
        "answer": vote.answer,
        "created": vote.created,
        "index_version": vote.index_version,
    }


def feedback_out(out: Path) -> Path:
    """The file beside the questions that holds the readers' comments:
    `feedback-questions.jsonl` → `feedback-questions.feedback.jsonl`."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".feedback.jsonl")


def _write_jsonl(path: Path, rows: Sequence[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def export_jsonl(votes: Sequence[Vote], out: Path) -> tuple[int, int]:
    """Write the votes as eval questions to `out` and what the readers said (vote, comment,
    answer) to `feedback_out(out)`, line by line with the same ids; returns (ready, drafts
    needing evidence). The questions file holds only the eval set's keys (its loader
    refuses others), so ready lines can be pasted into eval/questions.jsonl as they are."""
    lines = [as_question(n, v) for n, v in enumerate(votes, start=1)]
    _write_jsonl(out, lines)
    _write_jsonl(feedback_out(out), [as_feedback(n, v) for n, v in enumerate(votes, start=1)])
    drafts = sum(1 for q in lines if q["type"] != "unanswerable" and not q["evidence"])
    return len(lines) - drafts, drafts

"""Training pairs for the cross-encoder reader (issue 21, item 1).

A pair is (question, an answer unit in its context, label). Units are /ask's own
(`search.units`: sentences, list items, table rows and cells); a unit in context is its
section title and `answer_text()` on the next line. Each question's paragraph (a SQuAD
paragraph, a SweQUAD-MC context, a NorQuAD document, a corpus passage) is split into units;
a unit is positive when an answer span starts inside it, every other unit of the paragraph
is a hard negative, and every unit of an unanswerable question's paragraph is a negative.

Sources, read in place from ``../shared/reader-data/`` (SOURCES.md there) and eval/:

* Swedish SQuAD 2.0 (dev, translated): articles are dealt to a fixed held-out part by a
  hash of their title (`HELDOUT_PERCENT`); the rest trains.
* SweQUAD-MC: training.json trains, dev.json is for model selection, test.json is held out
  (the three share no context).
* NorQuAD: the training part rebuilt as SOURCES.md says (the annotation files less the
  official test and validation questions). The official split is by question, so a document
  can hold training and test questions: the official test is held out and every question on
  one of its documents is kept out of training and dev.
* Rapportsök's dev split (eval/questions.jsonl): the corpus passages that hold a question's
  evidence; an unanswerable question's paragraph is the corpus passage sharing the most
  words with it (a passage on the topic that does not state the fact).

Every data file read is recorded with its sha256 (`Dataset.files`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from indexer.models import Chunk, Hit, Source
from rapportsok.text import fold_cells, is_heading_text
from search.cross_reader import in_context, unit_in_context
from search.units import units

ROOT = Path(__file__).resolve().parents[1]
DATA_ENV = "RAPPORTSOK_READER_DATA"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
CORPUS = ROOT / "corpus"

Part = Literal["train", "dev", "heldout"]
SourceName = Literal["squad-sv", "swequad-mc", "norquad", "rapportsok"]
HELDOUT_PERCENT = 25  # of Swedish SQuAD's articles, by the hash of their title
SQUAD_FILE = "squad-v2-sv/squad_dev_v2_sv.json.gz"
SWEQUAD_FILES: dict[str, Part] = {
    "swequad-mc/training.json": "train",
    "swequad-mc/dev.json": "dev",
    "swequad-mc/test.json": "heldout",
}
NORQUAD_ANNOTATION = [
    "norquad/annotation/news/answers_1.json",
    "norquad/annotation/news/answers_2.json",
    "norquad/annotation/wikipedia/answers_1.json",
    "norquad/annotation/wikipedia/answers_2.json",
]
NORQUAD_TEST = "norquad/evaluation/all/test_dataset_flattened.json"
NORQUAD_VALIDATION = "norquad/evaluation/all/validation_dataset_flattened.json"
# NorQuAD's offsets are shifted by 1–2 characters in 7 answers: the answer text is looked
# for this far around its offset.
_OFFSET_SLACK = 3


def data_dir() -> Path:
    """``../shared/reader-data`` beside the project (for a git worktree: beside its main
    checkout), or the folder ``RAPPORTSOK_READER_DATA`` names."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    roots = [ROOT]
    git = ROOT / ".git"
    if git.is_file():  # a worktree: "gitdir: MAIN/.git/worktrees/NAME"
        roots.append(Path(git.read_text().split(":", 1)[1].strip()).parents[2])
    for root in roots:
        if (root.parent / "shared" / "reader-data").is_dir():
            return root.parent / "shared" / "reader-data"
    return ROOT.parent / "shared" / "reader-data"


@dataclass(frozen=True)
class QAQuestion:
    """One question with its paragraph's units in context and their labels (1: states the
    answer). An answerable question whose answer starts in no unit has no positive."""

    source: SourceName
    part: Part
    qid: str
    question: str
    doc: str  # the article or document: what the held-out part is dealt by
    answerable: bool
    units: tuple[str, ...]
    labels: tuple[int, ...]
    # The paragraph the units come from (a public set's; the dev questions read several).
    passage: Chunk | None = None
    # Units holding a plausible but wrong answer (SQuAD 2.0's unanswerable questions): the
    # hardest negatives, the sentence that seems to answer.
    plausible: tuple[int, ...] = ()

    @property
    def has_positive(self) -> bool:
        return any(self.labels)


@dataclass(frozen=True)
class Pair:
    """(question, unit in context, label): one training row of the cross-encoder."""

    question: str
    unit: str
    label: int


@dataclass
class Dataset:
    """Every question of every source, and the sha256 of each file read."""

    questions: list[QAQuestion] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def select(
        self, source: SourceName | None = None, part: Part | None = None
    ) -> list[QAQuestion]:
        """The questions of one source and/or part."""
        return [
            q
            for q in self.questions
            if (source is None or q.source == source) and (part is None or q.part == part)
        ]


def pairs(questions: list[QAQuestion]) -> Iterator[Pair]:
    """Every (question, unit, label) of the questions, in order."""
    for q in questions:
        for unit, label in zip(q.units, q.labels, strict=True):
            yield Pair(q.question, unit, label)


def heldout_title(source: str, title: str, percent: int = HELDOUT_PERCENT) -> bool:
    """Whether an article goes to the held-out part: a fixed hash of source and title."""
    digest = hashlib.sha256(f"{source}:{title}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def paragraph(text: str, doc: str) -> Chunk:
    """A public set's paragraph as a passage ("\r\n" in SweQUAD-MC: a "\r" made a space
    keeps every offset)."""
    clean = text.replace("\r", " ")
    return Chunk(doc, doc, clean, (), 0, len(clean))


def _heading_before(text: str, start: int, default: str) -> str:
    """The nearest heading-like line (a short line, not a sentence) before `start`."""
    for line in reversed(text[:start].replace("\r", " ").split("\n")[:-1]):
        line = line.strip()
        if line and len(line.split()) <= 12 and is_heading_text(line):
            return line
    return default


def _question(
    source: SourceName,
    part: Part,
    qid: str,
    question: str,
    doc: str,
    context: str,
    starts: list[int] | None,
    title: str,
    plausible: list[int] | None = None,
) -> QAQuestion:
    """A question over a plain-text paragraph; `starts` are its answers' offsets (None:
    unanswerable), `plausible` those of its plausible wrong answers."""
    passage = paragraph(context, doc)
    us = units(Hit(passage, 0.0, 1))
    texts = tuple(in_context(u.answer_text(), _heading_before(context, u.start, title)) for u in us)
    labels = tuple(
        int(starts is not None and any(u.start <= s < u.end for s in starts)) for u in us
    )
    wrong = tuple(int(any(u.start <= s < u.end for s in plausible or [])) for u in us)
    return QAQuestion(
        source, part, qid, question, doc, starts is not None, texts, labels, passage, wrong
    )


def _answer_start(context: str, text: str, start: int) -> int:
    if context[start : start + len(text)] == text:
        return start
    lo = max(start - _OFFSET_SLACK, 0)
    found = context.find(text, lo, start + len(text) + _OFFSET_SLACK)
    return found if found >= 0 else start


class _Reader:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.files: dict[str, str] = {}

    def read(self, name: str) -> Any:
        path = self.data_dir / name
        raw = path.read_bytes()
        self.files[name] = hashlib.sha256(raw).hexdigest()
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
        return json.loads(raw)


def squad_sv(reader: _Reader) -> list[QAQuestion]:
    """Swedish SQuAD 2.0: every question, answerable or not, by article."""
    out = []
    for article in reader.read(SQUAD_FILE)["data"]:
        title = article["title"].replace("_", " ")
        part: Part = "heldout" if heldout_title("squad-sv", article["title"]) else "train"
        for para in article["paragraphs"]:
            context = para["context"]
            for qa in para["qas"]:
                starts = None if qa["is_impossible"] else [a["answer_start"] for a in qa["answers"]]
                wrong = [a["answer_start"] for a in qa.get("plausible_answers") or []]
                out.append(
                    _question(
                        "squad-sv",
                        part,
                        qa["id"],
                        qa["question"],
                        title,
                        context,
                        starts,
                        title,
                        wrong,
                    )
                )
    return out


def swequad_mc(reader: _Reader) -> list[QAQuestion]:
    """SweQUAD-MC: every question is answerable; its correct spans are the answers."""
    out = []
    for name, part in SWEQUAD_FILES.items():
        for i, row in enumerate(reader.read(name)["data"]):
            context = row["context"]
            doc = hashlib.sha256(context.encode()).hexdigest()[:16]
            title = _first_line(context)
            starts = [c["start"] for c in row["choices"] if c["type"] == "Correct answer"]
            qid = f"{name.split('/')[-1].split('.')[0]}-{i}"
            out.append(
                _question("swequad-mc", part, qid, row["question"], doc, context, starts, title)
            )
    return out


def _first_line(text: str) -> str:
    first = text.replace("\r", " ").split("\n", 1)[0].strip()
    return first if len(first.split()) <= 12 else ""


def _flat(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for article in data["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                yield para["context"], qa


def norquad(reader: _Reader) -> list[QAQuestion]:
    """NorQuAD: the official test held out, its documents kept out of training and dev."""
    test = {(qa["question"], c) for c, qa in _flat(reader.read(NORQUAD_TEST))}
    validation = {(qa["question"], c) for c, qa in _flat(reader.read(NORQUAD_VALIDATION))}
    test_docs = {c for _, c in test}
    out, seen = [], set()
    for name in NORQUAD_ANNOTATION:
        for context, qa in _flat(reader.read(name)):
            key = (qa["question"], context)
            if key in seen:
                continue
            seen.add(key)
            if key in test:
                part: Part = "heldout"
            elif context in test_docs:
                continue  # a training question on a held-out document
            else:
                part = "dev" if key in validation else "train"
            starts = [_answer_start(context, a["text"], a["answer_start"]) for a in qa["answers"]]
            title = _first_line(context)
            doc = hashlib.sha256(context.encode()).hexdigest()[:16]
            qid = f"{name.split('/')[2]}-{qa['id']}"
            out.append(_question("norquad", part, qid, qa["question"], doc, context, starts, title))
    return out


_WORD = re.compile(r"\w{4,}")


@lru_cache(maxsize=1)
def _corpus_chunks() -> tuple[Chunk, ...]:
    from indexer.reading.chunker import chunk_document
    from indexer.reading.metadata import build_document

    out: list[Chunk] = []
    for path in sorted(CORPUS.glob("*.txt")):
        source = Source(path.read_text(encoding="utf-8"))
        out += chunk_document(build_document(path, source, "0" * 64, {}), source)
    return tuple(out)


def rapportsok_dev(path: Path = QUESTIONS) -> tuple[list[QAQuestion], str]:
    """The project's dev questions over the corpus passages (and the file's sha256)."""
    raw = path.read_bytes()
    chunks = _corpus_chunks()
    out = []
    for line in raw.decode("utf-8").splitlines():
        row = json.loads(line)
        if row["split"] != "dev":
            continue
        evidence = [fold_cells(e) for e in row["evidence"] if e.strip()]
        if evidence:
            paras = [
                c
                for c in chunks
                if c.doc_id in row["doc_ids"] and any(e in fold_cells(c.text) for e in evidence)
            ]
        else:
            words = set(_WORD.findall(row["question"].lower()))
            paras = [max(chunks, key=lambda c: len(words & set(_WORD.findall(c.text.lower()))))]
        for chunk in paras:
            us = units(Hit(chunk, 0.0, 0))
            texts = tuple(unit_in_context(u) for u in us)
            labels = tuple(int(bool(evidence) and _quotes(u.quote(), evidence)) for u in us)
            out.append(
                QAQuestion(
                    "rapportsok",
                    "train",
                    row["id"],
                    row["question"],
                    chunk.doc_id,
                    bool(evidence),
                    texts,
                    labels,
                )
            )
    return out, hashlib.sha256(raw).hexdigest()


def _quotes(quote: str, evidence: list[str]) -> bool:
    # eval.runner.quotes_evidence: the quote holds an evidence string or is part of one
    q = fold_cells(quote)
    return bool(q) and any(e in q or q in e for e in evidence)


def load_dataset(data: Path | None = None, questions: Path = QUESTIONS) -> Dataset:
    """Every source's questions, in a fixed order, with the sha256 of every file read."""
    reader = _Reader(data or data_dir())
    qs = squad_sv(reader) + swequad_mc(reader) + norquad(reader)
    dev, digest = rapportsok_dev(questions)
    files = {f"reader-data/{k}": v for k, v in reader.files.items()}
    files[f"eval/{questions.name}"] = digest
    return Dataset(qs + dev, files)

"""Training pairs from the real files in ../shared/reader-data and eval/questions.jsonl:
exact counts of questions, pairs, positives and held-out articles, and the files' hashes."""

from __future__ import annotations

import pytest

from reader_model.pairs import Dataset, data_dir, heldout_title, load_dataset, pairs

pytestmark = pytest.mark.skipif(
    not (data_dir() / "SOURCES.md").is_file(), reason="../shared/reader-data is not here"
)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


# source, part: questions, answerable, answerable without a positive unit, pairs, positive
# pairs, articles/documents
COUNTS = {
    ("squad-sv", "train"): (7445, 3497, 1, 39555, 3670, 24),
    ("squad-sv", "heldout"): (3711, 1714, 1, 18751, 1863, 11),
    ("swequad-mc", "train"): (962, 962, 3, 22457, 960, 434),
    ("swequad-mc", "dev"): (126, 126, 1, 2878, 125, 64),
    ("swequad-mc", "heldout"): (102, 102, 0, 2160, 102, 45),
    ("norquad", "train"): (3198, 3198, 15, 60733, 3183, 555),
    ("norquad", "dev"): (391, 391, 1, 7297, 390, 282),
    ("norquad", "heldout"): (472, 472, 4, 8954, 468, 199),
    # one row per corpus passage holding a dev question's evidence (a comparison has several)
    ("rapportsok", "train"): (325, 258, 5, 3633, 483, 4),
}


@pytest.mark.parametrize(("source", "part"), list(COUNTS))
def test_counts(dataset: Dataset, source: str, part: str) -> None:
    qs = dataset.select(source, part)  # type: ignore[arg-type]
    answerable = [q for q in qs if q.answerable]
    rows = list(pairs(qs))
    got = (
        len(qs),
        len(answerable),
        sum(not q.has_positive for q in answerable),
        len(rows),
        sum(p.label for p in rows),
        len({q.doc for q in qs}),
    )
    assert got == COUNTS[(source, part)]


def test_every_question_of_each_set_is_read(dataset: Dataset) -> None:
    # Swedish SQuAD 2.0: 11,156 questions, 5,945 unanswerable (SOURCES.md)
    squad = dataset.select("squad-sv")
    assert len(squad) == 11156 and sum(not q.answerable for q in squad) == 5945
    # NorQuAD: 3,808 + 472 + 472 = 4,752 questions; the 691 training and validation
    # questions on a document of the test are left out
    assert len(dataset.select("norquad")) == 4752 - 691
    # every one of the 230 dev questions, 67 of them unanswerable
    dev = dataset.select("rapportsok")
    assert len({q.qid for q in dev}) == 230
    assert len({q.qid for q in dev if not q.answerable}) == 67


def test_heldout_parts_share_no_document_with_training(dataset: Dataset) -> None:
    for source in ("squad-sv", "swequad-mc", "norquad"):
        train = {q.doc for q in dataset.select(source, "train")}  # type: ignore[arg-type]
        held = {q.doc for q in dataset.select(source, "heldout")}  # type: ignore[arg-type]
        assert held and not train & held
    assert heldout_title("squad-sv", "Normans") == (dataset.select("squad-sv")[0].part == "heldout")


def test_files_are_recorded_with_their_sha256(dataset: Dataset) -> None:
    assert len(dataset.files) == 11
    assert dataset.files["reader-data/squad-v2-sv/squad_dev_v2_sv.json.gz"] == (
        "6d00adbe88ce07cea97a8bf784b5426dc36302bcf3f79302fcae054ad1017260"
    )
    assert dataset.files["reader-data/swequad-mc/test.json"] == (
        "544289bf5c87624dd62b753c4fe5fff6023d6c426c6d33d33905033a413106cb"
    )


def test_a_positive_is_the_unit_holding_the_answer(dataset: Dataset) -> None:
    q = dataset.select("swequad-mc", "train")[0]
    assert q.question == "Vad är ett visum?"
    assert [u for u, label in zip(q.units, q.labels, strict=True) if label] == [
        "Visum för affärs- och konferensbesök\n"
        "Visum är ett tillstånd för att resa in och vara i ett land under en kortare tid."
    ]

"""The corpus reports printed to PDF (`tests/corpus_pdfs.py`: one column, running header,
"Sida N" footer, ruled tables) and indexed with the real model search and answer like the
.txt reports: on the test split, hybrid hit@5, MRR@10 and /ask answer-hit are within 0.03
of the .txt-built index (issue #10's parity target; docs/evaluation.md's table is the same run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eval.metrics import load_questions
from eval.runner import evaluate_ask, evaluate_retrieval

TOLERANCE = 0.03


@pytest.fixture(scope="module")
def pdf_searcher(
    tmp_path_factory: pytest.TempPathFactory, printed_corpus: Path, corpus_index: Path, encoder
):
    """A searcher over the index of the printed reports, with the catalogue's metadata.
    Built over a copy of the .txt index, so that passages whose text came out the same are
    not embedded again (the same model and text give the same vector)."""
    from indexer.build import build_index
    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from search.retrieval import Searcher

    out = tmp_path_factory.mktemp("printed-index") / "index"
    shutil.copytree(corpus_index, out)  # follows the version symlink: a plain folder
    report = build_index(printed_corpus, out, encoder)
    assert report.documents == 4 and not report.skipped and report.reused > 0
    return Searcher(load_index(out), encoder, get_analyzer())


def test_the_printed_reports_search_and_answer_like_the_text_reports(
    pdf_searcher, eval_searcher
) -> None:
    questions = load_questions(split="test")
    figures = {}
    for name, searcher in (("pdf", pdf_searcher), ("txt", eval_searcher)):
        retrieval = evaluate_retrieval(searcher, questions, modes=["hybrid"])
        ask = evaluate_ask(searcher, questions)
        figures[name] = (
            retrieval.mean("hybrid", "hit@5"),
            retrieval.mean("hybrid", "mrr@10"),
            ask.means["all"]["answer_hit"],
        )
    for pdf, txt in zip(figures["pdf"], figures["txt"], strict=True):
        assert abs(pdf - txt) <= TOLERANCE, figures

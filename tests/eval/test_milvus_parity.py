"""The Milvus store (milvus-lite) against the segment store on the eval's test split: the
same retrieval figures and the same /ask answers, since both rank by the same dense inner
products and the same BM25 (`indexer.store.sparse`) and fusion is Rapportsök's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.metrics import load_questions
from eval.runner import InProcess, evaluate_retrieval


@pytest.fixture(scope="module")
def milvus_searcher(loaded_index, encoder, tmp_path_factory: pytest.TempPathFactory):
    """A searcher over a milvus-lite copy of the session's corpus index."""
    from indexer.language.analyzer import get_analyzer
    from search.milvus_client import parse_store
    from search.milvus_store import MilvusStore
    from search.retrieval import Searcher

    db = Path(tmp_path_factory.mktemp("milvus")) / "corpus.db"
    store, report = MilvusStore.open(parse_store(f"milvus-lite:{db}"), loaded_index)
    assert len(report.added) == len(loaded_index.documents) == 4
    return Searcher(store.index, encoder, get_analyzer(), store=store)


def test_the_test_split_ranks_alike_on_both_stores(eval_searcher, milvus_searcher) -> None:
    questions = load_questions(split="test")
    modes = ["hybrid", "dense", "lexical"]
    segments = evaluate_retrieval(eval_searcher, questions, modes=modes)  # type: ignore[arg-type]
    milvus = evaluate_retrieval(milvus_searcher, questions, modes=modes)  # type: ignore[arg-type]
    for mode in modes:
        for metric in ("hit@1", "hit@5", "mrr@10"):
            a, b = segments.mean(mode, metric, "test"), milvus.mean(mode, metric, "test")
            assert abs(a - b) <= 0.01, (mode, metric, a, b)
    # Not only the means: every question's first passage is the same.
    assert [r.top_doc for r in segments.rows] == [r.top_doc for r in milvus.rows]


def test_ask_gives_the_same_answers_on_both_stores(eval_searcher, milvus_searcher) -> None:
    # Every third question of the test split (53 of 157: answerable, unanswerable and
    # comparisons alike), to keep `make test` short; all 157 agree too (docs/national-scale.md).
    questions = load_questions(split="test")[::3]
    segments, milvus = InProcess(eval_searcher), InProcess(milvus_searcher)
    for q in questions:
        a, b = segments.ask(q.question, 5), milvus.ask(q.question, 5)
        assert (a.answered, a.answer, a.quotes, a.compared) == (
            b.answered,
            b.answer,
            b.quotes,
            b.compared,
        ), q.id

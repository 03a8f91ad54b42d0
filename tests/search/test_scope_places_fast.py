"""A question's municipality or organisation ranks its reports first and never drops a
report whose municipality is unknown; only the user's filter, or an index where every
report's municipality is known, leaves reports out."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import FakeEncoder

from indexer.models import Document
from search.query import QueryParser
from search.scope import Scope, SearchFilters

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
ALE = "ale-kommunstyrelsen-delarsrapport-2022"
BJUV = "bjuv-kommunstyrelsen-arsredovisning-2021"
LOOSE = "verksamhetsrapport"  # no catalogue entry and no place in its text


def _scope(*docs: Document) -> Scope:
    return Scope({d.id: d for d in docs}, np.arange(len(docs), dtype=np.int32))


ALE_DOC = Document("a", "a.txt", "", "A", municipality="Ale", organisation="Ale kommun")
BJUV_DOC = Document("b", "b.txt", "", "B", municipality="Bjuv", organisation="Bjuvs kommun")
BANK_DOC = Document("r", "r.pdf", "", "R", organisation="Sveriges riksbank")
UNKNOWN_DOC = Document("u", "u.pdf", "", "U")


def test_every_municipality_known_restricts_to_the_named_ones() -> None:
    # The riksbank's report is in no municipality: that is known too.
    scope = _scope(ALE_DOC, BJUV_DOC, BANK_DOC)
    assert scope.unplaced == set()
    assert scope.narrow({"a", "b", "r"}, scope.of_places(["Ale"], [])) == ({"a"}, set())
    assert scope.narrow({"a", "b", "r"}, scope.of_places([], ["Sveriges riksbank"])) == (
        {"r"},
        set(),
    )


def test_an_unknown_municipality_keeps_every_report_and_ranks_the_named_first() -> None:
    scope = _scope(ALE_DOC, BJUV_DOC, UNKNOWN_DOC)
    assert scope.unplaced == {"u"}
    searched, first = scope.narrow({"a", "b", "u"}, scope.of_places(["Ale"], []))
    assert (searched, first) == ({"a", "b", "u"}, {"a"})
    # A name no report has narrows nothing.
    assert scope.narrow({"a", "b", "u"}, set()) == ({"a", "b", "u"}, set())


def test_the_users_filter_excludes_also_reports_of_unknown_municipality() -> None:
    scope = _scope(ALE_DOC, BJUV_DOC, UNKNOWN_DOC)
    assert scope.allowed(SearchFilters(municipality=("ale",))) == {"a"}


def test_a_question_names_an_organisation_by_a_word_of_its_name() -> None:
    parser = QueryParser(["Ale"], ["Sveriges riksbank"])
    assert parser.parse("Vad säger Riksbankens prognos om inflationen?").organisations == (
        "Sveriges riksbank",
    )
    assert parser.parse("Hur går det för Sverige?").organisations == ()


@pytest.fixture(scope="module")
def mixed_searcher(tmp_path_factory: pytest.TempPathFactory):
    """The tiny corpus and one report that says nothing of its municipality."""
    from indexer.build import build_index
    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from search.retrieval import Searcher

    corpus = tmp_path_factory.mktemp("mixed")
    for path in TINY.iterdir():
        shutil.copy(path, corpus / path.name)
    (corpus / f"{LOOSE}.txt").write_text(
        "Verksamhetsrapport\n\nSjukfrånvaron bland de anställda var 5,2 procent under året.\n",
        encoding="utf-8",
    )
    out = corpus.parent / "index"
    build_index(corpus, out, FakeEncoder())
    return Searcher(load_index(out), FakeEncoder(), get_analyzer())


def test_a_report_of_unknown_municipality_stays_in_a_named_questions_scope(
    tiny_searcher, mixed_searcher
) -> None:
    question = "Hur hög var sjukfrånvaron i Ale?"
    # Every report's municipality known: only Ale's report is searched.
    info = tiny_searcher.understand(question)
    assert tiny_searcher.scope_reports(SearchFilters(), info) == ({ALE}, set())
    # One unknown: nothing is dropped, Ale's report ranks first.
    assert mixed_searcher.index.documents[LOOSE].municipality is None
    info = mixed_searcher.understand(question)
    assert mixed_searcher.scope_reports(SearchFilters(), info) == ({ALE, BJUV, LOOSE}, {ALE})
    hits, _ = mixed_searcher.search(question, k=10)
    assert LOOSE in {h.chunk.doc_id for h in hits}
    # The user's filter does leave it out.
    only_ale = SearchFilters(municipality=("Ale",))
    assert mixed_searcher.scope_reports(only_ale, info) == ({ALE}, set())


def test_a_municipality_without_reports_is_no_abstention_while_one_is_unknown(
    tiny_searcher, mixed_searcher
) -> None:
    question = "Hur hög var sjukfrånvaron i Östersund?"
    assert tiny_searcher.understand(question).elsewhere == ("Östersund",)
    assert mixed_searcher.understand(question).elsewhere == ()

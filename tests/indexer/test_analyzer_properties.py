"""Property tests of the analyzer (hypothesis): any text, odd Unicode and very long words
give terms, never an exception, and long words cost no recursion."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.language.analyzer import MAX_WORD_CHARS, SwedishAnalyzer

_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Parts of real compounds, repeated into words far longer than any the reports have.
_PARTS = ["sjuk", "frånvaro", "kommun", "styrelse", "arbets", "miljö", "s", "ab", "tjänste"]


@pytest.fixture(scope="module")
def analyzer() -> SwedishAnalyzer:
    return SwedishAnalyzer()


def _check(analyzer: SwedishAnalyzer, text: str) -> None:
    terms = analyzer.analyze(text)
    assert all(isinstance(t, str) and t for t in terms)
    for start, end, word_terms in analyzer.spans(text):
        assert 0 <= start < end <= len(text)
        assert all(isinstance(t, str) for t in word_terms)


@_SETTINGS
@given(text=st.text(alphabet=st.characters(codec=None, categories=None), max_size=300))
def test_any_text_including_surrogates_and_controls(analyzer: SwedishAnalyzer, text: str) -> None:
    _check(analyzer, text)


@_SETTINGS
@given(parts=st.lists(st.sampled_from(_PARTS), min_size=1, max_size=400))
def test_long_compound_words_are_analysed(analyzer: SwedishAnalyzer, parts: list[str]) -> None:
    word = "".join(parts)
    _check(analyzer, word)
    _check(analyzer, "-".join(parts))
    if len(word) > MAX_WORD_CHARS:
        assert analyzer.analyze(word) == [word]  # kept as written, neither split nor lemmatised


def test_a_very_long_word_needs_no_deep_stack(analyzer: SwedishAnalyzer) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # the old recursive splitter needed one frame set per part
    try:
        word = "sjukfrånvaro" * 5000
        assert analyzer.analyze(word) == [word]
        assert analyzer.analyze("sjukfrånvaro" * 5) == [
            "sjukfrånvaro" * 5,
            "sjukfrånvaro",
            "sjuk",
            "frånvaro",
            "sjukfrånvaro" * 4,
            "sjukfrånvaro" * 3,
            "sjukfrånvaro" * 2,
        ]
    finally:
        sys.setrecursionlimit(limit)

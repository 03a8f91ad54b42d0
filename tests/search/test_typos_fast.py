"""Typo correction against the index's vocabulary, on the tiny corpus (fast tier)."""

from __future__ import annotations

from search.typos import Correction


def test_a_misspelt_word_is_corrected_to_an_index_term(tiny_searcher) -> None:
    fixed = tiny_searcher.correct("Hur hög var sjukfronvaron i Ale?")
    assert fixed == Correction(
        "Hur hög var sjukfrånvaro i Ale?", (("sjukfronvaron", "sjukfrånvaro"),)
    )


def test_missing_letters_and_folded_letters_are_corrected(tiny_searcher) -> None:
    assert tiny_searcher.correct("bibloteket i Nödinge").query == "bibliotek i Nödinge"
    assert tiny_searcher.correct("bredbnd").query == "bredband"


def test_known_words_short_words_and_english_are_left_alone(tiny_searcher) -> None:
    assert tiny_searcher.correct("Hur hög var sjukfrånvaron i Ale?") is None
    assert tiny_searcher.correct("Hur mycket kostar IT?") is None
    assert tiny_searcher.correct("What was the sick leave in Ale?") is None


def test_the_lexical_side_searches_the_corrected_query(tiny_searcher) -> None:
    hits, _ = tiny_searcher.search("sjukfronvaro Bjuv", k=1, mode="lexical")
    assert hits and "8,3 procent" in hits[0].chunk.text

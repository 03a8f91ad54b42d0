"""A query's lexical side is bounded: however long, at most `MAX_QUERY_TERMS` BM25 terms."""

from __future__ import annotations

from rapportsok.limits import MAX_QUERY_CHARS, MAX_QUERY_TERMS


def test_a_pasted_paragraph_is_searched_by_its_first_terms(tiny_searcher) -> None:
    words = "kommunens budget för skolan och äldreomsorgen ökade under året".split()
    paragraph = " ".join(words[i % len(words)] for i in range(400))[:MAX_QUERY_CHARS]
    terms = tiny_searcher.query_terms(paragraph)
    assert len(tiny_searcher.analyzer.analyze(paragraph)) > MAX_QUERY_TERMS
    assert terms == tiny_searcher.analyzer.analyze(paragraph)[:MAX_QUERY_TERMS]
    assert len(terms) == MAX_QUERY_TERMS


def test_a_typed_question_keeps_every_term(tiny_searcher) -> None:
    question = "Hur hög var sjukfrånvaron bland kommunens anställda 2021?"
    assert tiny_searcher.query_terms(question) == tiny_searcher.analyzer.analyze(question)

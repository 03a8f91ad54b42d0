"""The API's English error details become Swedish sentences."""

from __future__ import annotations

from ui.messages import swedish_error


def test_too_long_question_names_the_limit_and_the_length() -> None:
    detail = "question must be at most 2000 characters, got 2599"
    assert swedish_error(422, detail) == (
        "Frågan är för lång: högst 2000 tecken går att skicka, din har 2599. "
        "Korta den och försök igen."
    )


def test_empty_query_k_and_unknown_filter() -> None:
    assert swedish_error(422, "query must not be empty") == (
        "Söktexten är tom. Skriv något att söka efter."
    )
    assert swedish_error(422, "k must be between 1 and 20, got 30") == (
        "Antalet stycken ska vara mellan 1 och 20."
    )
    assert swedish_error(400, "unknown municipality: ['Lund']") == (
        "Avgränsningen på kommun känns inte igen av sökservern. Ta bort den och försök igen."
    )


def test_several_problems_each_once_and_unknown_ones_in_general_swedish() -> None:
    detail = (
        "question must not be empty; question must not be empty; k must be between 1 and 20, got 0"
    )
    assert swedish_error(422, detail) == (
        "Frågan är tom. Skriv något att söka efter. Antalet stycken ska vara mellan 1 och 20."
    )
    assert swedish_error(422, "filters: unknown field") == (
        "Frågan kunde inte tas emot av sökservern. Prova att formulera om den."
    )
    assert swedish_error(500, "boom") == (
        "Sökservern kunde inte svara (fel 500). Försök igen om en stund."
    )


def test_413_says_the_question_is_too_long() -> None:
    detail = (
        "the request body is 70000 bytes, the limit is 65536 bytes (64 KB); "
        "a query or question has at most 2,000 characters and a filter at most 50 values"
    )
    message = swedish_error(413, detail)
    assert message.startswith("Frågan är för lång")
    assert "filter" not in message and "avgränsning" not in message.lower()

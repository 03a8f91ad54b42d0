"""Cleaning a PDF page's text: turned text, chart ticks and line numbers left out by how and
where they are printed; words hyphenated at a line end joined by the Swedish lexicon."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.reading.pdf_clean import (
    counting_joins,
    drop_figure_labels,
    horizontal,
    join_kept_line,
    join_lines,
)


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        # Capitalised words the printed-line rule leaves hyphenated; the lexicon knows them.
        ("Be-", "slutet fattades", "Beslutet fattades"),
        ("An-", "bud lämnades", "Anbud lämnades"),
        ("En-", "ligt planen", "Enligt planen"),
        ("E-", "lektroniska tjänster", "Elektroniska tjänster"),
        # Real hyphens stay.
        ("bygg-", "och miljönämnden", "bygg- och miljönämnden"),
        ("2021-", "2023", "2021-2023"),
        ("IT-", "enheten", "IT-enheten"),
        ("e-", "post", "e-post"),
        ("Uppsala-", "Borlänge", "Uppsala-Borlänge"),
        ("N609-", "4635/23", "N609-4635/23"),
        (
            "se https://example.se/regler-och-",
            "anmalan/",
            "se https://example.se/regler-och-anmalan/",
        ),
        # The printed-line rule as before: a lower-case word's hyphen is soft.
        ("kommun-", "styrelsen", "kommunstyrelsen"),
        ("Kommunlednings-", "kontoret", "Kommunledningskontoret"),
        ("avslutade", "granskningen", "avslutade granskningen"),
    ],
)
def test_join_lines(first: str, second: str, joined: str) -> None:
    assert join_lines(first, second) == joined


def test_a_line_kept_on_its_own_joins_a_word_the_lexicon_knows() -> None:
    assert join_kept_line("ett ökat be-", "hov av stöd") == "ett ökat behov av stöd"
    assert join_kept_line("Sam-", "mantaget bedömer vi") == "Sammantaget bedömer vi"
    assert join_kept_line("vård-", "och omsorgsnämnden") == "vård-\noch omsorgsnämnden"
    assert join_kept_line("Karlasta-", "den") == "Karlasta-\nden"  # no one word known
    # A name's part: the joined word must be known as one word, not as a compound.
    assert join_kept_line("Göteborgs-", "regionen") == "Göteborgs-\nregionen"
    assert join_kept_line("revisions-", "kontoret") == "revisionskontoret"
    assert join_kept_line("Summa", "12 345") == "Summa\n12 345"


def test_joins_are_counted_by_kind() -> None:
    with counting_joins() as outer:
        with counting_joins() as inner:
            join_lines("Be-", "slutet")
            join_lines("kommun-", "styrelsen")
            join_lines("verksam\u00ad", "heten")
            join_lines("bygg-", "och miljö")
            join_lines("Be-", "slutet", count=False)
        join_kept_line("be-", "hov")
    assert [tuple(j) for j in inner] == [
        ("Beslutet", "lexicon"),
        ("kommunstyrelsen", "printed"),
        ("verksamheten", "soft"),
    ]
    assert len(outer) == 4 and tuple(outer[-1]) == ("behov", "lexicon")


def _char(a: float, b: float, c: float = 0.0, d: float = 1.0) -> dict[str, Any]:
    return {"matrix": (a, b, c, d, 0.0, 0.0)}


def test_horizontal_text() -> None:
    assert horizontal(_char(10, 0))
    assert horizontal(_char(10, 0, c=2.1))  # italics shear, they do not turn
    assert not horizontal(_char(0, 6, -6, 0))  # printed upwards in the margin
    assert not horizontal(_char(-10, 0, 0, -10))  # upside down
    assert not horizontal(_char(7, 7, -7, 7))  # 45 degrees


def _word(text: str, x0: float, top: float, width: float = 10.0) -> dict[str, Any]:
    return {"text": text, "x0": x0, "x1": x0 + width, "top": top, "bottom": top + 8, "size": 8.0}


def test_a_chart_axis_is_left_out_and_a_table_column_is_not() -> None:
    text = [_word("Tillväxten", 200, 100 + 12 * i, 60) for i in range(7)]
    # Ticks right-aligned at x1 = 60, falling by 3 a step, 20 pt apart.
    axis = [
        _word(v, 60 - 4 * len(v), 100 + 20 * i, 4 * len(v))
        for i, v in enumerate(["6", "3", "0", "-3", "-6"])
    ]
    # A table's years rise down the page: data, not an axis.
    years = [_word(str(2019 + i), 400, 100 + 12 * i, 20) for i in range(4)]
    kept = drop_figure_labels(text + axis + years)
    assert kept == text + years


def test_line_numbers_in_the_margin_are_left_out() -> None:
    lines = [_word(str(n), 20, 100 + 14 * n, 8) for n in range(1, 8)]
    text = [_word("Protokoll", 60, 100 + 14 * n, 50) for n in range(1, 8)]
    assert drop_figure_labels(lines + text) == text
    # Numbers rising by one inside the text (a numbered list's "1", "2", ...) stay.
    inside = [_word(str(n), 70, 100 + 14 * n, 8) for n in range(1, 8)]
    assert drop_figure_labels(text + inside) == text + inside

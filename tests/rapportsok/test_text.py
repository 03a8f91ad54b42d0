"""The rules of report text that the indexer, the answer reader and the UI share."""

from __future__ import annotations

import pytest

from rapportsok.text import (
    YEAR,
    cell_texts,
    columns,
    has_word,
    is_header_row,
    is_rule_line,
    is_table_line,
    sentence_breaks,
    strip_span,
    table_cells,
)


def _sentences(text: str) -> list[str]:
    out, cut = [], 0
    for m in sentence_breaks(text):
        out.append(text[cut : m.start()])
        cut = m.end()
    return [*out, text[cut:]]


def test_sentences_end_at_full_stops_but_not_after_abbreviations() -> None:
    text = (
        "Prognosen är ett överskott om ca. 1,1 mnkr enl. Svenskt Näringsliv. Det beror "
        "bl.a. på lägre kostnader, t.ex. för IT. Fr.o.m. januari gäller nya regler!"
    )
    assert _sentences(text) == [
        "Prognosen är ett överskott om ca. 1,1 mnkr enl. Svenskt Näringsliv.",
        "Det beror bl.a. på lägre kostnader, t.ex. för IT.",
        "Fr.o.m. januari gäller nya regler!",
    ]


def test_placings_and_clock_times_do_not_end_a_sentence() -> None:
    text = "NKI-placering (2016: plac. 77, 2017: plac. 74). Mötet börjar kl. 13 i salen."
    assert _sentences(text) == [
        "NKI-placering (2016: plac. 77, 2017: plac. 74).",
        "Mötet börjar kl. 13 i salen.",
    ]


def test_sentence_may_end_inside_a_closing_quote() -> None:
    assert _sentences("Målet heter ”Fler i arbete.” Det nås delvis.") == [
        "Målet heter ”Fler i arbete.”",
        "Det nås delvis.",
    ]


def test_a_lower_case_word_after_a_full_stop_goes_on_the_sentence() -> None:
    assert _sentences("Kostnaden var 3 mnkr. exkl. moms.") == ["Kostnaden var 3 mnkr. exkl. moms."]


@pytest.mark.parametrize(
    ("line", "table"),
    [
        ("Sjukfrånvaro\t7,0 %\t6,8 %", True),
        ("| Mått | 2021 |", True),
        ("\t\t5", False),  # a lone figure indented with tabs is no table row
        ("Vanlig text utan tabbar.", False),
    ],
)
def test_table_lines(line: str, table: bool) -> None:
    assert is_table_line(line) is table


def test_rule_lines_carry_no_content() -> None:
    assert is_rule_line("|---|:--:|")
    assert not is_rule_line("| - | 5 |")


def test_header_rows_are_labels_and_years_label_columns() -> None:
    assert is_header_row(["Nyckeltal", "2020", "2021", "2022 jan–aug"])
    assert is_header_row(["**Verksamhet**", "Budget", "Utfall"])
    assert not is_header_row(["Sjukfrånvaro", "7,0 %", "6,8 %", "6,1 %"])
    assert not is_header_row(["2021", "410", "402"])  # a year-by-year table's data row
    # Figures with a note, status words and sentences are data, not column labels.
    assert not is_header_row(["Prisförändring villor", "12,9 % (sep-aug)", "25,5 % (sep-aug)"])
    assert not is_header_row(["Ny gemensam näringslivsstrategi i Köping och Arboga", "Klar"])
    assert not is_header_row(["Förslag om läsplattor.", "Klart", "Presenterad för KF."])
    assert is_header_row(["Uppdrag", "Status", "Kommentarer"])


def test_table_cells_are_offsets_into_the_text() -> None:
    row = "| Antal anställda | 410 |  402 |"
    assert [row[s:e] for s, e in table_cells(row, 0, len(row))] == ["Antal anställda", "410", "402"]
    assert cell_texts("<b>Sjukfrånvaro</b>\t7,0 %") == ["Sjukfrånvaro", "7,0 %"]
    assert columns("a\tb\tc") == 3


def test_years_and_stripping() -> None:
    assert YEAR.findall("2019–2021, inte 120215 eller 1850") == ["2019", "2021"]
    assert strip_span("  text \n", 0, 8) == (2, 6)


def test_has_word() -> None:
    assert has_word("Dag för justering 2024-04-03")
    assert not any(has_word(t) for t in ["-", "2024-04-03", "§ 71, 202/24", "3,5", "e"])

"""Tables read from PDFs made here with fpdf2: words broken at a narrow cell's edge joined
again, a header printed over two rows made one, a table going on over a page break kept
as one table with its header once and each row on its own page."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import TableBordersLayout

from indexer.reading.chunker import chunk_document
from indexer.reading.metadata import build_document
from indexer.reading.pdf import read_pdf
from indexer.reading.pdf_tables import continuation, render_table


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    return pdf


def _table(pdf: FPDF, rows: list[tuple[str, ...]], **options: object) -> None:
    with pdf.table(
        first_row_as_headings=True,
        borders_layout=TableBordersLayout.ALL,
        text_align="LEFT",
        line_height=4.5,
        **options,
    ) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)


def test_a_word_broken_at_a_narrow_cells_edge_is_joined(tmp_path: Path) -> None:
    pdf = _pdf()
    # The cells are too narrow for "Budgetavvikelse" and "KOMMUNLEDNINGSKONTORET": the
    # printer breaks them inside the word ("Budgetavvik" + "else"). "Kultur och fritid"
    # wraps at a space in a narrower cell of its own and keeps it.
    _table(
        pdf,
        [
            ("Enhet", "Utfall", "Budget", "Budgetavvikelse", "Kultur och fritid"),
            ("KOMMUNLEDNINGSKONTORET", "12,5", "13,0", "0,5", "1,0"),
        ],
        width=118,
        col_widths=(40, 18, 18, 24, 18),
    )
    pdf.output(str(tmp_path / "smal.pdf"))
    assert read_pdf(tmp_path / "smal.pdf").text == (
        "Enhet\tUtfall\tBudget\tBudgetavvikelse\tKultur och fritid\n"
        "KOMMUNLEDNINGSKONTORET\t12,5\t13,0\t0,5\t1,0"
    )


def test_a_header_printed_over_two_rows_is_one_header_row(tmp_path: Path) -> None:
    pdf = _pdf()
    with pdf.table(
        borders_layout=TableBordersLayout.ALL, text_align="LEFT", num_heading_rows=2
    ) as table:
        row = table.row()
        row.cell("Enhet")
        row.cell("Utfall", colspan=2)
        row.cell("Budget", colspan=2)
        for cells in (
            ("", "2022", "2023", "2022", "2023"),
            ("Ekonomi", "1,0", "2,0", "3,0", "4,0"),
        ):
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.output(str(tmp_path / "tva-rader.pdf"))
    assert read_pdf(tmp_path / "tva-rader.pdf").text == (
        "Enhet\tUtfall 2022\tUtfall 2023\tBudget 2022\tBudget 2023\nEkonomi\t1,0\t2,0\t3,0\t4,0"
    )


def test_two_rows_of_labels_without_a_spanning_label_stay_two_rows() -> None:
    rows: list[list[str | None]] = [
        ["Uppdrag", "Status"],
        ["", "Pågår"],
        ["Trygghetspaket", "Klar"],
    ]
    assert render_table(rows) == "Uppdrag\tStatus\n\tPågår\nTrygghetspaket\tKlar"


ROWS = [(f"Enhet {n}", f"{n},5", f"{2 * n},0") for n in range(1, 41)]


@pytest.fixture(scope="module")
def over_a_page_break(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A paragraph, then a 40-row table that the printer goes on with on page 2, printing
    its header row again there."""
    pdf = _pdf()
    pdf.multi_cell(0, 5, "Tabellen visar utfall och budget per enhet.")
    pdf.ln(150)
    _table(pdf, [("Enhet", "Utfall", "Budget"), *ROWS])
    path = tmp_path_factory.mktemp("tabell") / "over-sidbrytning.pdf"
    pdf.output(str(path))
    return path


def test_a_table_over_a_page_break_is_one_table_with_its_header_once(
    over_a_page_break: Path,
) -> None:
    source = read_pdf(over_a_page_break)
    table = "Enhet\tUtfall\tBudget\n" + "\n".join("\t".join(r) for r in ROWS)
    assert source.text == "Tabellen visar utfall och budget per enhet.\n\n" + table
    # Page 2 starts at its first row, inside the table: each row keeps its page.
    first_on_page_2 = source.text[source.page_starts[1] :].split("\n", 1)[0]
    assert first_on_page_2 == "Enhet 24\t24,5\t48,0"
    assert source.page_at(source.text.index("Enhet 23\t")) == 1
    assert source.page_at(source.text.index("Enhet 24\t")) == 2
    assert source.page_at(source.text.index("Enhet 40\t")) == 2


def test_a_table_over_a_page_break_is_one_passage(over_a_page_break: Path) -> None:
    source = read_pdf(over_a_page_break)
    chunks = chunk_document(build_document(over_a_page_break, source, "0" * 64, {}), source)
    tables = [c for c in chunks if c.kind == "table"]
    assert [(c.text.count("\n") + 1, c.page) for c in tables] == [(41, 1)]  # header, 40 rows
    assert tables[0].text.count("Enhet\tUtfall\tBudget") == 1


def test_continuation_of_a_table_at_the_top_of_the_next_page() -> None:
    header = "Enhet\tUtfall\tBudget"
    # The header printed again is left out; rows without it go on the table as they are.
    assert continuation(header, f"{header}\nEnhet 9\t9,5\t18,0") == "Enhet 9\t9,5\t18,0"
    assert continuation(header, "Enhet 9\t9,5\t18,0") == "Enhet 9\t9,5\t18,0"
    assert continuation(header, header) == ""
    # Another header or another number of columns: a table of its own.
    assert continuation(header, "Mått\t2019\t2020\nInvånare\t17 979\t17 963") is None
    assert continuation(header, "Enhet 9\t9,5") is None

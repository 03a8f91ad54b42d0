"""Two-column pages read column by column (PDFs made here with fpdf2), and one-column pages
with a chance gap between words left as they are."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from indexer.pdf import read_pdf

PARAGRAPHS = [
    "Kommunstyrelsen redovisar ett överskott på 4,2 miljoner kronor efter augusti. Det beror "
    "främst på vakanta tjänster inom kommunledningskontoret och på lägre kostnader för "
    "konsulter än vad som budgeterats för året.",
    "Investeringarna har varit färre än planerat. Upphandlingen av nya lokaler för "
    "medborgarservice har dragit ut på tiden och flyttas till nästa år, och arbetet med den "
    "nya webbplatsen har försenats.",
    "Prognosen för helåret visar ett överskott på 3,0 miljoner kronor. Nämnden följer upp "
    "ekonomin varje månad och rapporterar till fullmäktige i oktober och i samband med "
    "bokslutet.",
    "Sjukfrånvaron har minskat till 4,1 procent och personalomsättningen är fortsatt låg. "
    "Arbetet med kompetensförsörjning fortsätter med en ny plan för rekrytering under hösten.",
]


def _page(path: Path, columns: int) -> Path:
    """A heading over the page, the paragraphs in `columns` balanced columns, a footer."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_margins(22, 20, 22)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 8, "Ekonomisk uppföljning", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=10)
    with pdf.text_columns(ncols=columns, gutter=8, text_align="LEFT", balance=True) as cols:
        for text in PARAGRAPHS:
            with cols.paragraph(bottom_margin=2) as paragraph:
                paragraph.write(text)
    pdf.set_auto_page_break(False)
    pdf.set_y(-20)
    pdf.cell(0, 8, "Sida 1", align="C")
    pdf.output(str(path))
    return path


def test_a_two_column_page_is_read_column_by_column(tmp_path: Path) -> None:
    # The third paragraph starts at the foot of the left column and goes on at the top of
    # the right one: one paragraph again. The centred page number stands in the gutter (and
    # is no text of the report).
    source = read_pdf(_page(tmp_path / "tva-spalter.pdf", 2))
    assert source.text == "\n\n".join(["Ekonomisk uppföljning", *PARAGRAPHS])


def test_a_one_column_page_stays_one_column(tmp_path: Path) -> None:
    source = read_pdf(_page(tmp_path / "en-spalt.pdf", 1))
    assert source.text == "\n\n".join(["Ekonomisk uppföljning", *PARAGRAPHS])

"""Two-column pages read column by column (PDFs made here with fpdf2), one-column pages
with a chance gap between words left as they are, and a paragraph that goes on in the next
column or on the next page joined again."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from fpdf import FPDF

from indexer.reading.pdf import read_pdf
from indexer.reading.pdf_columns import layout, line_text
from indexer.reading.pdf_layout import assemble
from indexer.reading.pdf_page import Line, Page, Stats

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


def _line(text: str, top: float, x1: float, first_width: float, column: int) -> Line:
    x0 = 312.0 if column == 2 else 65.0
    return Line(text, top, top + 10, x0, x1, 10.0, False, first_width, column, (80.0, column, top))


def _over_a_page(last: str, first_word: str, first_width: float) -> str:
    """A paragraph at the foot of page 1's right column (its widest line reaching the edge
    at x 530, its last line, `last`, ending at x 480) and the text at the top of page 2's
    left column, opening with `first_word` (`first_width` pt wide)."""
    page1 = Page(842.0)
    page1.lines = [
        _line("Kommunstyrelsen redovisar ett överskott efter", 400, 530, 80, 2),
        _line("augusti. Det beror främst på lägre kostnader", 410, 525, 45, 2),
        _line(last, 420, 480, 40, 2),
    ]
    page2 = Page(842.0)
    page2.lines = [
        _line(f"{first_word} kopplade till att stärka arbetet.", 300, 250, first_width, 1),
        _line("Nämnden följer upp ekonomin varje månad.", 310, 270, 40, 1),
    ]
    return assemble([page1, page2], Stats(sizes=Counter({10.0: 1000}))).text


def test_a_paragraph_goes_on_over_the_page_where_the_next_word_did_not_fit() -> None:
    # 50 pt left after "av" looks short next to the column's edge, but the next page's
    # first word (60 pt) would not have fitted there: the printer broke the line, and the
    # sentence goes on on the next page.
    text = _over_a_page("för konsulter och på planering av", "aktiviteter", 60)
    assert "planering av aktiviteter kopplade" in text
    # A first word that would have fitted after "av": the line was ended on purpose.
    text = _over_a_page("för konsulter och på planering av", "nya", 20)
    assert "planering av\n\nnya kopplade" in text
    # A last line that ends a sentence ends its paragraph, however long the next word.
    text = _over_a_page("för konsulter och på planering.", "aktiviteter", 60)
    assert "planering.\n\naktiviteter kopplade" in text


def test_a_heading_of_many_lines_in_a_narrow_column_stays_one_heading() -> None:
    # Seven printed lines of a 13 pt heading (more than `HEADING_MAX_LINES`): each line
    # after the fourth goes on in lower case, and the heading is never cut before one.
    words = (
        "Mål 5. Med utgångspunkt ifrån|Agenda 2030 gå mot en mer|hållbar och rättvis kommun "
        "med|fokus på minskat miljö- och|klimatavtryck samt förbättrad|hälsa för den äldre "
        "och yngre|åldersgruppen"
    ).split("|")
    page = Page(842.0)
    page.lines = [
        Line(text, 300 + 13 * n, 313 + 13 * n, 65, 250, 13.0, True, 40, 1, (80, 1, 300 + 13 * n))
        for n, text in enumerate(words)
    ]
    page.lines += [
        _line("Uppdrag: KS förvaltning ska färdigställa", 400, 270, 40, 1),
        _line("hållbarhetsstrategin med utgångspunkt i agenda 2030.", 410, 280, 60, 1),
    ]
    source = assemble([page], Stats(sizes=Counter({10.0: 1000})))
    title = " ".join(words)
    assert source.text.startswith(f"{title}\n\nUppdrag: KS")
    assert [source.text[a:b] for a, b, _ in source.headings] == [title]


def _word(text: str, x0: float, x1: float, top: float, size: float = 11.5) -> dict[str, object]:
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": top + size, "size": size}


def test_a_title_whose_word_space_falls_on_the_gutter_is_one_line() -> None:
    # Göteborg's årsredogörelse 2022, page 26: the title's "Stads" ends at 290 pt and
    # "årsredovisning" starts at 297, either side of the gutter; the right column's lines
    # start at 304 or 306 (justified text, some lines indented by 2 pt).
    title = [
        _word("Göteborgs", 62, 190, 65, 27),
        _word("Stads", 197, 290, 65, 27),
        _word("årsredovisning", 297, 499, 65, 27),
    ]
    body = []
    for i in range(10):
        top = 130 + 15 * i
        body += [_word("vänster", 62, 150, top), _word("spalt", 153, 288, top)]
        start = 304 if i % 3 == 0 else 306
        body += [_word("höger", start, 400, top), _word("spalt", 403, 525, top)]
    order = layout(title + body)
    assert order.gutter is not None
    assert [(line_text(r.words), r.column) for r in order.rows] == [
        ("Göteborgs Stads årsredovisning", 0),
        *[("vänster spalt", 1)] * 10,
        *[("höger spalt", 2)] * 10,
    ]

""" "Visa i rapporten": the quote found in the passage, the section around it, a PDF page."""

from __future__ import annotations

import io
from pathlib import Path

from pdfs import make_report_pdf
from PIL import Image

from service.schemas import DocumentInfo, Passage, PassageContext, Span
from ui import source

DOC = DocumentInfo(id="timra", title="Delårsrapport 2021", file_url="/documents/timra/file")


def _passage(pid: str, text: str, section: list[str]) -> Passage:
    return Passage(
        id=pid,
        rank=1,
        score=1.0,
        text=text,
        document=DOC,
        section=section,
        span=Span(start=0, end=len(text)),
        highlights=[],
    )


def test_quote_is_found_across_line_breaks_and_table_tabs() -> None:
    text = "Intro.\nÖverskottet uppgår\ntill 4,2 mkr. Sedan mer."
    start = text.index("Överskottet")
    assert source.quote_spans(text, "Överskottet uppgår till 4,2 mkr.") == [
        (start, text.index("Sedan") - 1)
    ]
    table = "Sjukfrånvaro\t5,2 %\t6,4 %"
    # The header row of a table quote stands elsewhere in the report: only the row is marked.
    assert source.quote_spans(table, "<b>Mått</b>\t<b>2021</b>\n" + table) == [(0, len(table))]
    assert source.quote_spans(text, "Finns inte här.") == []


def test_section_is_the_neighbours_with_the_same_heading_path() -> None:
    a = _passage("a", "Förra avsnittet.", ["Ekonomi"])
    b = _passage("b", "Första stycket.", ["Ekonomi", "Drift"])
    c = _passage("c", "Överskottet är 4,2 mkr.", ["Ekonomi", "Drift"])
    d = _passage("d", "Sista stycket.", ["Ekonomi", "Drift"])
    e = _passage("e", "Nästa avsnitt.", ["Personal"])
    ctx = PassageContext(passage=c, before=[a, b], after=[d, e])
    assert [p.id for p in source.section_passages(ctx)] == ["b", "c", "d"]
    html = source.section_html(source.section_passages(ctx), "c", "4,2 mkr.")
    assert html == (
        '<div class="rs-report"><div class="rs-passage"><p>Första stycket.</p></div>'
        '<div class="rs-cited" id="i-rapporten-c"><div class="rs-passage"><p>Överskottet är '
        '<mark class="rs-quote">4,2 mkr.</mark></p></div></div>'
        '<div class="rs-passage"><p>Sista stycket.</p></div></div>'
    )


def test_quote_not_found_marks_the_whole_cited_passage() -> None:
    c = _passage("c", "Överskottet är 4,2 mkr.", ["Drift"])
    html = source.section_html([c], "c", "Något annat.")
    assert '<mark class="rs-quote">Överskottet är 4,2 mkr.</mark>' in html


def _yellow_pixels(image: Image.Image) -> int:
    colors = image.getcolors(maxcolors=1 << 24) or []
    return sum(n for n, (r, g, b) in colors if r > 230 and g > 200 and b < 180)


def test_pdf_page_is_drawn_with_the_quote_boxed(tmp_path: Path) -> None:
    pdf = make_report_pdf(tmp_path / "r.pdf").read_bytes()
    quote = "Kommunstyrelsen redovisar ett överskott på 4,2 miljoner kronor."
    png, found = source.pdf_page_png(pdf, 2, quote, resolution=50)
    marked = Image.open(io.BytesIO(png)).convert("RGB")
    plain, none = source.pdf_page_png(pdf, 2, "Står inte på sidan.", resolution=50)
    assert (found, none) == (1, 0)
    # A4 at 50 dpi: 595.28 × 841.89 pt × 50/72 = 413.4 × 584.6, rounded up → 414 × 585 px.
    assert marked.size == (414, 585)
    # The box is translucent yellow over white paper: red and green stay high, blue drops.
    yellow = _yellow_pixels(marked)
    blank = _yellow_pixels(Image.open(io.BytesIO(plain)).convert("RGB"))
    # One box over the printed line; most of it is paper (yellow), the rest the letters.
    [(x0, top, x1, bottom)] = source.line_boxes(_chars(pdf, 2, quote))
    area = (x1 - x0) * (bottom - top) * (50 / 72) ** 2
    assert blank == 0 and 0.6 * area < yellow < 1.1 * area


def _chars(pdf: bytes, page: int, text: str) -> list[dict]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        [match] = doc.pages[page - 1].search(text)
        return list(match["chars"])


def test_line_boxes_one_per_printed_line_and_table_cell() -> None:
    def ch(x0: float, top: float) -> dict:
        return {"x0": x0, "top": top, "x1": x0 + 5, "bottom": top + 10}

    chars = [ch(10, 100), ch(15, 100), ch(20, 100.5), ch(10, 120), ch(100, 120)]
    # The first three share a line; the last is 75 pt to the right: another table cell.
    assert source.line_boxes(chars) == [(9, 99, 26, 111.5), (9, 119, 16, 131), (99, 119, 106, 131)]


def test_every_quote_of_a_card_is_marked() -> None:
    text = "Första meningen står här. Något annat emellan. Andra meningen står där."
    p = _passage("timra#1", text, ["S"])
    # ui.answer gives a card's quotes ([1] and [2]) one per line.
    quotes = "Första meningen står här.\nAndra meningen står där."
    html = source.section_html([p], "timra#1", quotes)
    assert html.count('<mark class="rs-quote">') == 2
    assert '<mark class="rs-quote">Andra meningen står där.</mark>' in html

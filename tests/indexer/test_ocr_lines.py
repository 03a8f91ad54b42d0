"""Words read from Tesseract's hOCR: every word of a printed line on that line, in its
paragraph, and sized by the line's x-height, so one font is one size whether its words
reach below the baseline or not (the lines below are Tesseract's own for the title of
Göteborg's rapportsammandrag 2023, at 300 dpi)."""

from __future__ import annotations

from types import SimpleNamespace

from indexer.reading.ocr import hocr_words

# Line titles are broken for reading: in an XML attribute a line break is a space.
HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<div class='ocr_page' title='bbox 0 0 2480 3508'>
<p class='ocr_par' title="bbox 299 433 1876 745">
<span class='ocr_line' title="bbox 302 433 1620 529;
 baseline 0 -22; x_size 97; x_descenders 22; x_ascenders 19">
<span class='ocrx_word' title='bbox 302 433 593 529; x_wconf 96'>Missiv</span>
<span class='ocrx_word' title='bbox 620 440 760 520; x_wconf 96'>till</span>
<span class='ocrx_word' title='bbox 790 440 1500 529; x_wconf 95'>granskningen</span>
<span class='ocrx_word' title='bbox 1510 455 1620 515; x_wconf 93'>av</span>
</span>
<span class='ocr_line' title="bbox 299 534 1876 616;
 baseline 0 0; x_size 87.856979; x_descenders 11.856983; x_ascenders 19">
<span class='ocrx_word' title='bbox 299 534 700 616; x_wconf 96'>arbetet</span>
<span class='ocrx_word' title='bbox 720 534 900 616; x_wconf 12'>~</span>
</span>
</p>
<p class='ocr_par' title="bbox 297 779 1890 881">
<span class='ocr_line' title="bbox 297 779 1890 821;
 baseline 0 -10; x_size 42; x_descenders 10; x_ascenders 11">
<span class='ocrx_word' title='bbox 297 779 600 821; x_wconf 95'>Revisorerna</span>
</span>
<span class='ocr_line' title="bbox 297 839 1912 881;
 baseline 0 -9; x_size 39; x_descenders 6; x_ascenders 11">
<span class='ocrx_word' title='bbox 297 839 600 881; x_wconf 95'>Granskningen</span>
<span class='ocrx_word' title='bbox 620 839 800 881; x_wconf 95'>&amp;</span>
</span>
</p></div></body></html>"""


def test_words_take_their_line_and_its_x_height() -> None:
    page = SimpleNamespace(bbox=(0, 0, 595.2, 841.92))
    words = hocr_words(HOCR, page)
    pt = 72 / 300
    assert [w["text"] for w in words] == [
        "Missiv", "till", "granskningen", "av", "arbetet", "Revisorerna", "Granskningen", "&",
    ]  # fmt: skip
    # "av" is set 22 px lower than "Missiv" in its box, but stands on the same line.
    assert {w["top"] for w in words[:4]} == {433 * pt}
    assert {w["bottom"] for w in words[:4]} == {529 * pt}
    # x-heights 56 and 57 px are one font (Tesseract rounds to pixels): the commoner one,
    # 56 px, is 26.88 pt (the line boxes are 96 and 82 px high). Body: 21 and 22 px, both
    # 22 (the commoner by characters: 13 against 11).
    sizes = [round(w["size"], 2) for w in words]
    assert sizes == [round(56 * pt / 0.5, 2)] * 5 + [round(22 * pt / 0.5, 2)] * 3
    # Tesseract's paragraphs, numbered down the page: the title's, then the body's.
    assert [w["paragraph"] for w in words] == [0] * 5 + [1] * 3
    # "~" (confidence 12) is noise.
    assert "~" not in [w["text"] for w in words]


def test_odd_hocr_loses_the_odd_parts_only() -> None:
    # Never seen from Tesseract, but a crash here would lose the whole report: a word or a
    # line without a box is left out, a control code is dropped, and output that is no XML
    # reads as a page without text.
    page = SimpleNamespace(bbox=(0, 0, 595.2, 841.92), page_number=3)
    odd = (
        "<html><body><p class='ocr_par'>"
        "<span class='ocr_line' title='bbox 10 10 400 50; x_size 40'>"
        "<span class='ocrx_word' title='x_wconf 90'>utan</span>"
        "<span class='ocrx_word' title='bbox 10 10 100 50; x_wconf 90'>Bud\x07get</span>"
        "</span><span class='ocr_line' title='baseline 0 0'>"
        "<span class='ocrx_word' title='bbox 10 60 100 90; x_wconf 90'>radlös</span>"
        "</span></p></body></html>"
    )
    assert [w["text"] for w in hocr_words(odd, page)] == ["Budget"]
    assert hocr_words("<html><body><p>", page) == []

"""OCR has a budget per report, pages and seconds: a report of many scanned pages is
refused with a reason that names the budget, instead of holding the writer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from indexer.reading import ocr
from indexer.reading.ocr import PAGE_TIMEOUT, OcrBudget
from indexer.reading.sources import read_report
from rapportsok.errors import UnreadableReport


def test_the_budget_gives_each_page_what_is_left_and_refuses_past_it() -> None:
    budget = OcrBudget(pages=2, seconds=150)
    assert budget.next_page(1) == PAGE_TIMEOUT
    budget.spent(100.0)
    assert budget.next_page(2) == 50.0
    budget.spent(10.0)
    message = (
        "page 3 needs OCR, and OCR reads at most 2 pages or 150 s of one report (this one: "
        "2 pages in 110 s); add a text layer or split the report"
    )
    with pytest.raises(UnreadableReport, match=re.escape(message)):
        budget.next_page(3)


def test_the_seconds_run_out_before_the_pages() -> None:
    budget = OcrBudget(pages=40, seconds=20)
    budget.spent(21.0)
    with pytest.raises(UnreadableReport, match="at most 40 pages or 20 s"):
        budget.next_page(2)


def _scanned_pdf(path: Path, pages: int) -> Path:
    pdf = FPDF()
    for n in range(pages):
        image = Image.new("RGB", (1240, 1754), "white")
        ImageDraw.Draw(image).text((100, 100), f"Sida {n + 1}", fill="black")
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210)
    pdf.output(str(path))
    return path


@pytest.mark.slow
def test_a_report_with_more_scanned_pages_than_the_budget_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "OCR_MAX_PAGES", 2)
    path = _scanned_pdf(tmp_path / "skannad.pdf", pages=3)
    with pytest.raises(
        UnreadableReport,
        match=r"skannad\.pdf: page 3 needs OCR, and OCR reads "
        r"at most 2 pages or 240 s of one report",
    ):
        read_report(path)

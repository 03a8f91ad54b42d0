"""Reading reports: PDFs made here with fpdf2, text files, and the bad inputs users send."""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

import pytest
from fpdf import FPDF
from pdfs import PAGE_1, PAGE_2, PAGE_3, make_long_pdf, make_report_pdf
from PIL import Image

from indexer.models import Source
from indexer.reading.pdf import read_pdf
from indexer.reading.sources import SUPPORTED_SUFFIXES, read_report
from rapportsok.errors import UnreadableReport

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Source:
    path = make_report_pdf(tmp_path_factory.mktemp("pdf") / "timra-delarsrapport-2021.pdf")
    return read_report(path)


# --- PDF structure --------------------------------------------------------------------


def test_pdf_text_is_pages_joined_by_blank_line(report: Source) -> None:
    assert report.text == "\n\n".join([PAGE_1, PAGE_2, PAGE_3])
    assert report.page_starts == (0, len(PAGE_1) + 2, len(PAGE_1) + len(PAGE_2) + 4)


def test_pdf_sentence_is_on_page_two(report: Source) -> None:
    offset = report.text.index("Kommunstyrelsen redovisar ett överskott på 4,2 miljoner kronor.")
    assert report.page_at(offset) == 2
    assert report.page_at(report.page_starts[1] - 1) == 1
    assert report.page_at(report.page_starts[2]) == 3


def test_pdf_headings_spans_and_levels(report: Source) -> None:
    p2, p3 = report.page_starts[1], report.page_starts[2]
    investeringar = p2 + PAGE_2.index("Investeringar")
    assert report.headings == (
        (0, 18, 1),
        (p2, p2 + 21, 2),
        (investeringar, investeringar + 13, 3),
        (p3, p3 + 19, 2),
    )
    assert [report.text[s:e] for s, e, _ in report.headings] == [
        "Delårsrapport 2021",
        "Ekonomisk uppföljning",
        "Investeringar",
        "Framtid och prognos",
    ]


def test_pdf_table_rows_tab_separated_and_not_duplicated(report: Source) -> None:
    table = "Verksamhet\tBudget\tUtfall\nÄldreomsorg\t120,5\t118,2\nGymnasieskola\t98,0\t101,4"
    assert report.text.count(table) == 1
    for word in ("Verksamhet", "Äldreomsorg", "Gymnasieskola", "120,5", "101,4"):
        assert report.text.count(word) == 1, word


def test_pdf_running_header_and_page_numbers_removed(report: Source) -> None:
    assert "Timrå kommun" not in report.text
    assert not any(re.fullmatch(r"\d+", line) for line in report.text.split("\n"))


def test_pdf_swedish_letters_survive(report: Source) -> None:
    assert "Årets resultat är bättre än väntat tack vare ökade skatteintäkter." in report.text
    assert {"å", "ä", "ö", "Å", "Ä"} <= set(report.text)


def test_pdf_long_report_sida_footer_removed_and_speed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = make_long_pdf(tmp_path / "lang.pdf")
    caplog.set_level(logging.INFO, logger="indexer.reading.pdf")
    started = time.perf_counter()
    source = read_pdf(path)
    seconds = time.perf_counter() - started
    assert len(source.page_starts) == 30
    # The footer repeats only with its digits normalised: "kommunstyrelsen | sida # av #".
    assert "Sida" not in source.text and "Kommunstyrelsen" not in source.text
    assert "Timrå kommun" not in source.text
    # Numbered headings opening every page are content, not a running header.
    assert [source.text[s:e] for s, e, _ in source.headings] == [
        f"Avsnitt {n}" for n in range(1, 31)
    ]
    assert {level for _, _, level in source.headings} == {1}
    start = source.text.index("Stycke 2 i avsnitt 17 ")
    assert source.page_at(start) == 17
    assert source.text.count("Nämnden följer upp ekonomin") == 90
    assert "pages/s" in caplog.text
    assert seconds < 10, f"30 pages took {seconds:.1f} s"


# --- bad PDFs ---------------------------------------------------------------------------


def _one_line_pdf(text: str = "Hemlig rapport om budgeten.") -> FPDF:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, text)
    return pdf


def test_blank_scan_without_text_even_after_ocr(tmp_path: Path) -> None:
    # A white image and a black box: Tesseract reads nothing either.
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("RGB", (200, 280), "white"), x=10, y=10, w=190)
    pdf.rect(20, 20, 80, 40, style="F")
    pdf.output(str(tmp_path / "skannad.pdf"))
    reason = "skannad.pdf: no text layer (scanned PDF?) and OCR found no text on its 1 page(s)"
    with pytest.raises(UnreadableReport, match=re.escape(reason)):
        read_report(tmp_path / "skannad.pdf")


def test_encrypted_pdf(tmp_path: Path) -> None:
    pdf = _one_line_pdf()
    pdf.set_encryption(owner_password="ägare", user_password="hemligt")
    pdf.output(str(tmp_path / "krypterad.pdf"))
    with pytest.raises(UnreadableReport, match="encrypted \\(password-protected\\)"):
        read_report(tmp_path / "krypterad.pdf")


def test_owner_password_only_pdf_is_readable(tmp_path: Path) -> None:
    # Permissions-only encryption: anyone may open it, so its text is read.
    pdf = _one_line_pdf()
    pdf.set_encryption(owner_password="ägare")
    pdf.output(str(tmp_path / "skyddad.pdf"))
    assert read_report(tmp_path / "skyddad.pdf").text == "Hemlig rapport om budgeten."


def test_truncated_pdf(tmp_path: Path) -> None:
    data = bytes(_one_line_pdf().output())
    (tmp_path / "trasig.pdf").write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableReport, match="corrupt or truncated PDF"):
        read_report(tmp_path / "trasig.pdf")


def test_pdf_header_then_garbage(tmp_path: Path) -> None:
    (tmp_path / "skrap.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(UnreadableReport, match="corrupt"):
        read_report(tmp_path / "skrap.pdf")


def test_random_bytes_with_pdf_suffix(tmp_path: Path) -> None:
    (tmp_path / "slump.pdf").write_bytes(os.urandom(4096).replace(b"%PDF-", b"xxxxx"))
    with pytest.raises(UnreadableReport, match="not a PDF"):
        read_report(tmp_path / "slump.pdf")


def test_empty_pdf(tmp_path: Path) -> None:
    (tmp_path / "tom.pdf").write_bytes(b"")
    with pytest.raises(UnreadableReport, match=re.escape("tom.pdf: empty file (0 bytes)")):
        read_report(tmp_path / "tom.pdf")


# --- text and Markdown ------------------------------------------------------------------


def test_cp1252_text_decoded(tmp_path: Path) -> None:
    text = "Årsredovisning – Älvsbyns kommun\r\nÖverskott för året: 3 mkr.\r\n"
    (tmp_path / "gammal.txt").write_bytes(text.encode("cp1252"))
    source = read_report(tmp_path / "gammal.txt")
    assert source.text == "Årsredovisning – Älvsbyns kommun\nÖverskott för året: 3 mkr.\n"
    assert (source.page_starts, source.headings) == ((), ())
    assert source.page_at(5) is None


def test_utf8_bom_stripped_and_markdown_unchanged(tmp_path: Path) -> None:
    text = "# Delårsrapport\n\n## Ekonomi\n\nUtfall  0,5 mkr.\t(prognos)\n"
    (tmp_path / "rapport.md").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_report(tmp_path / "rapport.md").text == text


def test_old_mac_newlines_normalised(tmp_path: Path) -> None:
    (tmp_path / "mac.txt").write_bytes("Rad ett\rRad två\r\rRad tre".encode())
    assert read_report(tmp_path / "mac.txt").text == "Rad ett\nRad två\n\nRad tre"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("tom.txt", b"", "tom.txt: empty file (0 bytes)"),
        ("blank.md", b" \r\n\t\n", "blank.md: the file contains only whitespace"),
        ("bin.txt", b"\x00\x01\x02binary", "bin.txt: binary content, not a text file"),
        ("odd.txt", b"abc \x81\x8d", "odd.txt: not a text file (neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_text(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(UnreadableReport, match=re.escape(reason)):
        read_report(tmp_path / name)


def test_unsupported_suffix(tmp_path: Path) -> None:
    (tmp_path / "rapport.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(UnreadableReport, match="unsupported file type '.docx'"):
        read_report(tmp_path / "rapport.docx")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableReport, match="saknas.pdf: not found"):
        read_report(tmp_path / "saknas.pdf")


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert ".pdf" in SUPPORTED_SUFFIXES
    path = tmp_path / "VERSALER.PDF"
    _one_line_pdf("Budget i balans.").output(str(path))
    assert read_report(path).text == "Budget i balans."


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_corpus_text_unchanged(path: Path) -> None:
    assert read_report(path).text == path.read_text(encoding="utf-8")

"""The corpus reports printed to PDF by the tests (`tests/corpus_pdfs.py`) read back as the
.txt reports do: the same headings, every evidence string of the eval set inside one
passage, no sentence cut where the printer broke a line, and a scanned page read by OCR."""

from __future__ import annotations

import re
from concurrent.futures import Executor
from pathlib import Path

import pytest
from corpus_pdfs import printable, scan_page

from eval.metrics import load_questions
from indexer.models import Chunk, Source
from indexer.reading.chunker import chunk_document
from indexer.reading.metadata import build_document
from indexer.reading.pdf import read_pdf
from indexer.reading.sections import find_blocks, outline
from rapportsok.errors import UnreadableReport
from rapportsok.text import CAPTION, STATUS_WORDS, ends_sentence, fold_whitespace

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
REPORTS = sorted(CORPUS.glob("*.txt"))


def _name(path: Path) -> str:
    return path.stem.split("-")[0]


def _read_all(folder: Path, pool: Executor) -> dict[str, tuple[Path, Source]]:
    """Each printed report of `folder` (running header, "Sida N" footer) and what it reads as,
    read by `pool`'s processes side by side, the longest first."""
    pdfs = sorted(folder.glob("*.pdf"), key=lambda pdf: -pdf.stat().st_size)
    sources = pool.map(read_pdf, pdfs)
    return {_name(pdf): (pdf, source) for pdf, source in zip(pdfs, sources, strict=True)}


@pytest.fixture(scope="module")
def printed(printed_corpus: Path, workers: Executor) -> dict[str, tuple[Path, Source]]:
    """Each report printed in one column and read back."""
    return _read_all(printed_corpus, workers)


@pytest.fixture(scope="module")
def two_columns(
    printed_corpus_two_columns: Path, workers: Executor
) -> dict[str, tuple[Path, Source]]:
    """Each report printed in two columns (tables over both) and read back."""
    return _read_all(printed_corpus_two_columns, workers)


def _chunks(pdf: Path, source: Source) -> list[Chunk]:
    return chunk_document(build_document(pdf, source, "0" * 64, {}), source)


def _titles(source: Source) -> set[str]:
    return {path[-1] for _, path in outline(source)}


# (headings of the .txt outline found in the PDF outline, all of them). Köping's missing one
# is a converter's glue of two headings into one line in the .txt itself.
HEADINGS = {"eskilstuna": (42, 42), "koping": (29, 30), "krokom": (21, 21), "timra": (45, 45)}


# The same in two columns (Krokom's longest "Mål N." headings run over six and seven printed
# lines there).
HEADINGS_TWO = {"eskilstuna": (42, 42), "koping": (29, 30), "krokom": (21, 21), "timra": (45, 45)}


@pytest.mark.parametrize("name", list(HEADINGS))
def test_pdf_outline_has_the_text_outline_headings(printed: dict, name: str) -> None:
    txt = next(p for p in REPORTS if _name(p) == name)
    expected = _titles(Source(txt.read_text(encoding="utf-8")))
    found = _titles(printed[name][1])
    assert (len(expected & found), len(expected)) == HEADINGS[name]
    assert found <= expected | {"Förvaltningens lägeskommentar och årets bedömningSå långt"}


@pytest.mark.parametrize("name", list(HEADINGS_TWO))
def test_two_column_outline_has_the_text_outline_headings(two_columns: dict, name: str) -> None:
    txt = next(p for p in REPORTS if _name(p) == name)
    expected = _titles(Source(txt.read_text(encoding="utf-8")))
    found = _titles(two_columns[name][1])
    assert (len(expected & found), len(expected)) == HEADINGS_TWO[name]
    assert sum(HEADINGS_TWO[n][0] for n in HEADINGS_TWO) >= 0.9 * sum(
        HEADINGS_TWO[n][1] for n in HEADINGS_TWO
    )


@pytest.mark.parametrize("layout", ["printed", "two_columns"])
@pytest.mark.parametrize("name", list(HEADINGS))
def test_no_heading_is_a_caption_role_line_cell_or_sentence(
    request: pytest.FixtureRequest, layout: str, name: str
) -> None:
    _, source = request.getfixturevalue(layout)[name]
    for block in find_blocks(source):
        if block.type != "heading":
            continue
        title = block.title
        assert not CAPTION.match(title) and "\t" not in title, title
        assert title.split()[-1].lower() not in STATUS_WORDS, title
        assert not re.match(r"^\w*(chef|ordförande)\s*:", title, re.IGNORECASE), title
        assert not (title.endswith(".") and ends_sentence(title)), title


def _missing_evidence(reports: dict[str, tuple[Path, Source]]) -> list[str]:
    # Table rows compare cell by cell: the .txt writes "a | b", the PDF "a<TAB>b".
    def norm(text: str) -> str:
        return fold_whitespace(re.sub(r"\s*\|\s*", " ", printable(text)))

    passages = [norm(c.text) for pdf, source in reports.values() for c in _chunks(pdf, source)]
    evidence = {e for q in load_questions() for e in q.evidence}
    assert len(evidence) == 330  # distinct strings
    return sorted(e for e in evidence if not any(norm(e) in p for p in passages))


def test_every_evidence_string_lies_in_one_pdf_passage(printed: dict) -> None:
    # The one miss is a heading quoted as evidence: headings are context, not passage text.
    assert _missing_evidence(printed) == ["Finskt förvaltningsområde"]


def test_every_evidence_string_lies_in_one_passage_of_the_two_column_pdfs(
    two_columns: dict,
) -> None:
    # As in one column: the one miss is a heading.
    assert _missing_evidence(two_columns) == ["Finskt förvaltningsområde"]


@pytest.mark.parametrize("layout", ["printed", "two_columns"])
@pytest.mark.parametrize("name", list(HEADINGS))
def test_no_sentence_is_cut_at_a_printed_line_end(
    request: pytest.FixtureRequest, layout: str, name: str
) -> None:
    """A line break inside a sentence (the line before does not end one, the next goes on
    in lower case) is one the .txt has too, never one the printer made: not at a column's
    or a page's foot, nor inside a heading of many printed lines."""
    _, source = request.getfixturevalue(layout)[name]
    assert _printer_breaks(source, name) == []


def _printer_breaks(source: Source, name: str) -> list[str]:
    txt = next(p for p in REPORTS if _name(p) == name).read_text(encoding="utf-8")
    printer_breaks = []
    for m in re.finditer(r"([^\n]*)\n+(?=[a-zåäö])", source.text):
        before, after = m.group(1).split(), source.text[m.end() :].split()
        if not before or "\t" in m.group(1) or ends_sentence(m.group(1)):
            continue
        in_txt = re.escape(before[-1]) + r"\s*\n\s*" + re.escape(after[0])
        if not re.search(in_txt, txt):
            printer_breaks.append(m.group(0)[-40:])
    return printer_breaks


def test_soft_hyphens_at_line_ends_are_removed(printed: dict) -> None:
    # The printer hyphenated "Kommunstyrelsen" as "Kommun-" + "styrelsen" at some line end.
    _, source = printed["timra"]
    assert "Kommun- styrelsen" not in source.text and "Kommun-styrelsen" not in source.text
    assert "kommunstyrelsens kommunledningskontor" in source.text


@pytest.mark.slow  # Tesseract reads a whole page: seconds
def test_a_scanned_page_is_read_by_ocr_and_marked(printed: dict, tmp_path: Path) -> None:
    pdf, text_layer = printed["koping"]
    scanned = read_pdf(scan_page(pdf, 2, tmp_path / "skannad.pdf"))
    assert scanned.ocr_pages == (2,)
    assert scanned.ocr_seconds > 0
    assert len(scanned.page_starts) == len(text_layer.page_starts)
    sentence = "Under våren har ett förslag till ny grafisk profil arbetats fram."
    assert scanned.page_at(scanned.text.index(sentence)) == text_layer.page_at(
        text_layer.text.index(sentence)
    )
    chunks = _chunks(pdf, scanned)
    assert {c.page for c in chunks if c.ocr} == {2}
    assert all(not c.ocr for c in chunks if c.page != 2)


def test_a_scanned_page_without_tesseract_skips_the_report(
    printed: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.reading.pdf

    pdf, _ = printed["koping"]
    path = scan_page(pdf, 2, tmp_path / "skannad.pdf")
    monkeypatch.setattr(
        indexer.reading.pdf, "tesseract_problem", lambda: "Tesseract is not installed"
    )
    reason = (
        "skannad.pdf: 1 of 8 pages are scanned (no text layer) and cannot be OCR'd: "
        "Tesseract is not installed"
    )
    with pytest.raises(UnreadableReport, match=re.escape(reason)):
        read_pdf(path)


def test_lines_printed_without_a_paragraph_space_stay_one_block(printed: dict) -> None:
    # The .txt block's lines are printed one under the other (no paragraph space): the
    # figures stay with the line that says what they are, as in the .txt.
    _, source = printed["koping"]
    assert (
        "\n\nValdeltagande i kommunvalet i Köpings kommun: 2018: 82,75 %\n2014: 80,94 %\n"
        "2010: 78,89 %\n\n"
    ) in source.text
    _, source = printed["krokom"]
    assert (
        "\n\n- vad kommunen vill uppnå med digital transformation.\n"
        "- vilka förutsättningar som krävs för att lyckas.\n"
        "- vilka strategiska vägval som behövs.\n\n"
    ) in source.text

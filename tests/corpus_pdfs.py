"""The corpus reports rendered to PDF by the tests themselves, the way municipalities publish
them: A4, a running header with the municipality and report name, a "Sida N" footer,
paragraphs wrapped by the printer (long words hyphenated at line ends), bold headings by
level, ruled tables, photo credits in small italics. Variants: two columns, and one page
replaced by its image (a scanned page, no text layer).

The structure comes from the .txt report's own blocks (`indexer.reading.sections.find_blocks`), so
the PDF says what the text says; only the printing differs.
"""

from __future__ import annotations

import re
from concurrent.futures import Executor
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium
from fpdf import FPDF
from fpdf.enums import TableBordersLayout

from indexer.models import Source
from indexer.reading.sections import find_blocks
from rapportsok.text import CAPTION, cell_texts, is_rule_line

Layout = Literal["one-column", "two-column"]
HEADING_SIZES = {1: 16, 2: 13}  # pt; deeper levels print bold at body size
BODY_SIZE = 10
# Words at least this long get soft hyphens, so the printer may break them at a line end.
HYPHENATE_FROM = 14


def printable(text: str) -> str:
    """Text as the core fonts can print it (Windows-1252): other characters become '?'.
    The tests compare evidence through the same function."""
    return text.encode("cp1252", "replace").decode("cp1252")


def _hyphenate(text: str) -> str:
    """Soft hyphens in long words every 6 letters (not next to the word's ends)."""

    def soft(m: re.Match[str]) -> str:
        word = m.group(0)
        cuts = [0, *range(6, len(word) - 4, 6), len(word)]
        return "\u00ad".join(word[i:j] for i, j in zip(cuts, cuts[1:], strict=False))

    return re.sub(rf"[^\W\d_]{{{HYPHENATE_FROM},}}", soft, text)


class _Printer(FPDF):
    def __init__(self, running_header: str, columns: int) -> None:
        super().__init__(format="A4")
        self.running_header = running_header
        self.columns = columns
        self.core_fonts_encoding = "windows-1252"
        self.set_auto_page_break(auto=True, margin=22)
        self.set_margins(22, 20, 22)

    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, self.running_header, new_x="LMARGIN", new_y="NEXT")
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, f"Sida {self.page_no()}", align="C")


def render_report(txt: Path, out: Path, running_header: str, layout: Layout) -> Path:
    """Print the report `txt` to the PDF `out` in `layout`."""
    text = txt.read_text(encoding="utf-8")
    source = Source(text)
    pdf = _Printer(printable(running_header), 2 if layout == "two-column" else 1)
    pdf.add_page()
    # (kind, text, level, whether it ends its block) waiting for the columns. The lines of
    # one .txt block (a list, "Valdeltagande: 2018: …" + "2014: …") follow each other
    # without a paragraph's space, as they would in the printed report.
    flow: list[tuple[str, str, int, bool]] = []

    def flush() -> None:
        if not flow:
            return
        if pdf.columns == 1:
            for kind, body, level, last in flow:
                _print_block(pdf, kind, body, level, last)
        else:
            with pdf.text_columns(ncols=2, gutter=8, text_align="LEFT") as cols:
                for kind, body, level, last in flow:
                    size, style = _font(kind, level)
                    pdf.set_font("Helvetica", style, size)
                    with cols.paragraph(bottom_margin=1.5 if last else 0) as par:
                        par.write(printable(body if kind == "heading" else _hyphenate(body)))
        flow.clear()

    for block in find_blocks(source):
        raw = text[block.start : block.end]
        if block.type == "heading":
            flow.append(("heading", block.title, block.level or 3, True))
        elif block.type == "table":
            flush()
            _print_table(pdf, raw)
        else:
            lines = [ln for ln in raw.split("\n") if ln.strip() and not is_rule_line(ln)]
            for n, line in enumerate(lines, start=1):
                kind = "caption" if CAPTION.match(line) else "text"
                body = line.strip().replace("\t", " ").replace("**", "")
                flow.append((kind, body.lstrip("#").strip(), 0, n == len(lines)))
    flush()
    pdf.output(str(out))
    return out


def _font(kind: str, level: int) -> tuple[int, str]:
    if kind == "heading":
        return HEADING_SIZES.get(level, BODY_SIZE), "B"
    return (BODY_SIZE - 2, "I") if kind == "caption" else (BODY_SIZE, "")


def _print_block(pdf: FPDF, kind: str, body: str, level: int, last: bool = True) -> None:
    size, style = _font(kind, level)
    pdf.set_font("Helvetica", style, size)
    if kind == "heading":
        pdf.ln(2)
        pdf.multi_cell(0, size * 0.45, printable(body), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    else:
        pdf.multi_cell(0, 5, printable(_hyphenate(body)), new_x="LMARGIN", new_y="NEXT")
        if last:
            pdf.ln(2)


def _print_table(pdf: FPDF, raw: str) -> None:
    rows = [cell_texts(line) for line in raw.split("\n") if line.strip()]
    rows = [r for r in rows if not all(is_rule_line(c) or not c for c in r)]
    width = max(len(r) for r in rows)
    rows = [[printable(c) for c in r] + [""] * (width - len(r)) for r in rows]
    pdf.set_font("Helvetica", size=BODY_SIZE - 1)
    pdf.ln(1)
    first = max(0.3, 1.6 / (width + 0.6))  # the label column is wider
    other = (1 - first) / max(1, width - 1)
    widths = [first] + [other] * (width - 1) if width > 1 else [1.0]
    with pdf.table(
        col_widths=tuple(w * 100 for w in widths),
        first_row_as_headings=True,
        borders_layout=TableBordersLayout.ALL,
        line_height=4.5,
        text_align="LEFT",
    ) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(3)


def scan_page(pdf_path: Path, page_no: int, out: Path, dpi: int = 200) -> Path:
    """A copy of `pdf_path` whose page `page_no` (1-based) is only its image: no text layer."""
    doc = pdfium.PdfDocument(str(pdf_path))
    page = doc[page_no - 1]
    width, height = page.get_size()
    bitmap = page.render(scale=dpi / 72)
    image = pdfium.PdfImage.new(doc)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    doc.del_page(page_no - 1)
    scanned = doc.new_page(width, height, index=page_no - 1)
    scanned.insert_obj(image)
    scanned.gen_content()
    doc.save(str(out))
    return out


def print_corpus(
    corpus: Path, out: Path, layout: Layout = "one-column", pool: Executor | None = None
) -> list[Path]:
    """Every .txt report of `corpus` printed to `out` in `layout` (by `pool`'s processes side
    by side, else here one by one), with the catalogue (its entries renamed to the .pdf
    files), ready for `rapportsok index out`. The tests print each layout once per session
    (the `printed_corpus*` fixtures of `tests/conftest.py`)."""
    out.mkdir(parents=True, exist_ok=True)
    txts = sorted(corpus.glob("*.txt"))
    headers = [f"{txt.stem.split('-')[0].title()} kommun – Rapport" for txt in txts]
    targets = [out / f"{txt.stem}.pdf" for txt in txts]
    pdfs = list(
        (pool.map if pool else map)(render_report, txts, targets, headers, [layout] * len(txts))
    )
    catalogue = corpus / "catalogue.toml"
    if catalogue.exists():
        text = catalogue.read_text(encoding="utf-8").replace('.txt"]', '.pdf"]')
        (out / "catalogue.toml").write_text(text, encoding="utf-8")
    return pdfs


if __name__ == "__main__":  # python tests/corpus_pdfs.py OUT: the PDF parity corpus
    import sys

    root = Path(__file__).resolve().parents[1]
    for path in print_corpus(root / "corpus", Path(sys.argv[1])):
        print(path)

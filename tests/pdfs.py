"""Small real PDFs made with fpdf2 for the reader and indexer tests."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

RUNNING_HEADER = "Timrå kommun – Delårsrapport 2021"

# The expected text of the 3-page report below, page by page. Every line is short enough
# not to wrap, so the text is exact; the printed lines of one paragraph are joined by a
# space (the first line of page 1 is the page's widest: it ran to the margin), "\n\n"
# separates blocks.
PAGE_1 = (
    "Delårsrapport 2021\n\n"
    "Kommunstyrelsen ansvarar för ledning och samordning av kommunens verksamheter. "
    "Rapporten avser perioden januari till augusti 2021.\n\n"
    "Årets resultat är bättre än väntat tack vare ökade skatteintäkter."
)
PAGE_2 = (
    "Ekonomisk uppföljning\n\n"
    "Kommunstyrelsen redovisar ett överskott på 4,2 miljoner kronor.\n\n"
    "Investeringar\n\n"
    "Verksamhet\tBudget\tUtfall\n"
    "Äldreomsorg\t120,5\t118,2\n"
    "Gymnasieskola\t98,0\t101,4\n\n"
    "Investeringsnivån är låg jämfört med föregående år."
)
PAGE_3 = "Framtid och prognos\n\nPrognosen för helåret visar ett underskott på 1,5 miljoner kronor."


class _Report(FPDF):
    """A4 report with the running header and a footer ("3", "Kommunstyrelsen | Sida 3 av 30")."""

    def __init__(self, footer: str = "{page}") -> None:
        super().__init__()
        self.footer_text = footer
        # cp1252 for the en dash of the running header; å ä ö are in latin-1 anyway.
        self.core_fonts_encoding = "windows-1252"
        self.set_auto_page_break(auto=True, margin=25)

    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, RUNNING_HEADER, new_x="LMARGIN", new_y="NEXT")
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 10, self.footer_text.format(page=self.page_no()), align="C")

    def heading(self, text: str, size: int) -> None:
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def paragraph(self, *lines: str, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 11)
        for line in lines:
            self.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(4)


def make_report_pdf(path: Path) -> Path:
    """The 3-page report: title, sections, a bold sub-heading, a table, header/footer."""
    pdf = _Report()
    pdf.add_page()
    pdf.heading("Delårsrapport 2021", 22)
    pdf.paragraph(
        "Kommunstyrelsen ansvarar för ledning och samordning av kommunens verksamheter.",
        "Rapporten avser perioden januari till augusti 2021.",
    )
    pdf.paragraph("Årets resultat är bättre än väntat tack vare ökade skatteintäkter.")
    pdf.add_page()
    pdf.heading("Ekonomisk uppföljning", 15)
    pdf.paragraph("Kommunstyrelsen redovisar ett överskott på 4,2 miljoner kronor.")
    pdf.paragraph("Investeringar", bold=True)
    pdf.set_font("Helvetica", size=11)
    with pdf.table() as table:
        for cells in (
            ("Verksamhet", "Budget", "Utfall"),
            ("Äldreomsorg", "120,5", "118,2"),
            ("Gymnasieskola", "98,0", "101,4"),
        ):
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(6)
    pdf.paragraph("Investeringsnivån är låg jämfört med föregående år.")
    pdf.add_page()
    pdf.heading("Framtid och prognos", 15)
    pdf.paragraph("Prognosen för helåret visar ett underskott på 1,5 miljoner kronor.")
    pdf.output(str(path))
    return path


def make_long_pdf(path: Path, pages: int = 30) -> Path:
    """`pages` pages of numbered sections, "… | Sida N av M" footers, the running header."""
    pdf = _Report(footer=f"Kommunstyrelsen | Sida {{page}} av {pages}")
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.heading(f"Avsnitt {n}", 15)
        for p in range(3):
            pdf.paragraph(
                f"Stycke {p + 1} i avsnitt {n} beskriver verksamhetens mål och resultat.",
                "Nämnden följer upp ekonomin varje månad och rapporterar till fullmäktige.",
                "Kostnaderna för äldreomsorgen ökade något under perioden.",
            )
    pdf.output(str(path))
    return path

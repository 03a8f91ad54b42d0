"""An answer to take away: Markdown for the clipboard and a Word document (python-docx) with
the question, the answer, each quote with its full citation and the date it was asked.

Staff paste answers into memos and e-mails, so every quote carries everything a reader needs
to find it again: kommun, rapport, år, avsnitt, sida and a link. Pure functions of the API's
response; the buttons are in `ui.answer`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from service.schemas import AskResponse, Citation
from ui import render

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

FileUrl = Callable[[Citation], str]


def page_base(url: str) -> str:
    """A page's address without query or fragment and without the final slash:
    'http://rapporter.kommun.se/?fraga=x' → 'http://rapporter.kommun.se'."""
    return url.split("#", 1)[0].split("?", 1)[0].rstrip("/")


def report_link(public_url: str, c: Citation) -> str:
    """Where a reader opens a cited report: the UI's own "Rapporter" view of that report
    (with its download button), at the UI's public address, never the API's."""
    query = urlencode({"vy": "rapporter", "rapport": c.document.id})
    return f"{public_url.rstrip('/')}/?{query}" if public_url else ""


@dataclass(frozen=True)
class CitationFacts:
    """A citation as labelled facts, in the order a Swedish reference gives them."""

    n: int
    quote: str
    facts: list[tuple[str, str]]


def quote_text(quote: str) -> str:
    """A quote as plain lines: table cells joined with ' | ', bold markers dropped."""
    return "\n".join(render.plain_quote(line) for line in quote.split("\n") if line.strip())


def citation_facts(c: Citation, link: str) -> CitationFacts:
    """Kommun, rapport, år, avsnitt, sida and länk of one citation (the known ones)."""
    doc = c.document
    facts = [
        ("Kommun", render.publisher_name(doc) or ""),
        ("Rapport", doc.title),
        ("År", str(doc.year) if doc.year else ""),
        ("Avsnitt", render.section_path(c.section)),
        ("Sida", str(c.page) if c.page is not None else ""),
        ("Länk", link),
    ]
    return CitationFacts(c.n, quote_text(c.quote), [(k, v) for k, v in facts if v])


def asked_on(when: datetime) -> str:
    """'2026-03-05 14:02', the date and minute an answer was given."""
    return when.strftime("%Y-%m-%d %H:%M")


def _answer_lines(resp: AskResponse) -> list[str]:
    if not resp.answered or not resp.answer:
        return [resp.message or "Rapporterna svarar inte på den här frågan."]
    lines = [render.plain_quote(line) for line in resp.answer.split("\n")]
    if resp.uncertain:
        lines.insert(0, "Osäkert svar – kontrollera källan.")
    return lines


def comparison_rows(resp: AskResponse) -> list[tuple[str, str, str, str]]:
    """(kommun, rapport, svar, källa) per report of a comparison answer."""
    rows = []
    for e in resp.comparison or []:
        rows.append(
            (
                render.publisher_name(e.document) or "",
                render.report_name(e.document),
                render.plain_quote(e.answer) if e.answer else "Ger ingen uppgift",
                f"[{e.citation}]" if e.citation is not None else "",
            )
        )
    return rows


def answer_markdown(resp: AskResponse, when: datetime, file_url: FileUrl, share: str) -> str:
    """The answer as Markdown: question, answer (or comparison table), quotes, citations."""
    out = [f"## {resp.question}", "", f"*Frågat {asked_on(when)} i Rapportsök*", ""]
    if resp.comparison:
        out += ["| Kommun | Rapport | Svar | Källa |", "|---|---|---|---|"]
        for row in comparison_rows(resp):
            out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    else:
        out += [
            f"**Svar:** {line}" if i == 0 else line for i, line in enumerate(_answer_lines(resp))
        ]
    if resp.citations:
        out += ["", "### Källor"]
    for c in resp.citations:
        f = citation_facts(c, file_url(c))
        out += ["", f"**[{f.n}]** " + "; ".join(f"{k}: {v}" for k, v in f.facts)]
        out += ["> " + line for line in f.quote.split("\n")]
    if share:
        out += ["", f"Svaret i Rapportsök: {share}"]
    return "\n".join(out) + "\n"


def answer_docx(resp: AskResponse, when: datetime, file_url: FileUrl, share: str) -> bytes:
    """The answer as a Word document (.docx bytes)."""
    from docx import Document

    doc = Document()
    doc.core_properties.title = resp.question
    doc.core_properties.language = "sv-SE"
    doc.add_heading(resp.question, level=1)
    doc.add_paragraph().add_run(f"Frågat {asked_on(when)} i Rapportsök").italic = True
    doc.add_heading("Svar", level=2)
    if resp.comparison:
        rows = comparison_rows(resp)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ("Kommun", "Rapport", "Svar", "Källa"), strict=True
        ):
            cell.text = text
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
    else:
        for line in _answer_lines(resp):
            doc.add_paragraph(line)
    if resp.citations:
        doc.add_heading("Källor", level=2)
    for c in resp.citations:
        f = citation_facts(c, file_url(c))
        doc.add_paragraph(f"[{f.n}]").runs[0].bold = True
        doc.add_paragraph(f.quote, style="Quote")
        for key, value in f.facts:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{key}: ").bold = True
            if key == "Länk":
                add_hyperlink(p, value, value)
            else:
                p.add_run(value)
    if share:
        p = doc.add_paragraph("Svaret i Rapportsök: ")
        add_hyperlink(p, share, share)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """Append `text` as a real hyperlink to `url` (python-docx has no API for one: a
    <w:hyperlink> pointing at an external relationship, styled as Word styles links)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0563C1")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(color)
    props.append(underline)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def export_name(question: str, when: datetime) -> str:
    """A file name from the question's first words: 'rapportsok-hur-hog-var-2026-03-05.docx'."""
    fold = str.maketrans("åäöéÅÄÖÉ", "aaoeAAOE")
    words = "".join(ch if ch.isalnum() else " " for ch in question.translate(fold)).split()
    stem = "-".join(w.lower() for w in words[:6]) or "svar"
    return f"rapportsok-{stem}-{when:%Y-%m-%d}.docx"

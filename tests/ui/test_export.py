"""The answer as Markdown and as a Word document: question, answer, quotes, full citations."""

from __future__ import annotations

import io
from datetime import datetime

from service.schemas import AskResponse, Citation, ComparisonEntry, DocumentInfo
from ui import export

TIMRA = DocumentInfo(
    id="timra",
    title="Delårsrapport 2021, Kommunstyrelsen",
    municipality="Timrå",
    report_type="Delårsrapport",
    year=2021,
    file_url="/documents/timra/file",
)
KOPING = TIMRA.model_copy(
    update={"id": "koping", "municipality": "Köping", "year": 2019, "title": "Delårsrapport 2019"}
)
ROW = (
    "<b>Mått</b>\t<b>2020 jan-juni</b>\t<b>2021 jan-juni</b>\n"
    "Sjukfrånvaro samtliga kommunanställda\t7,5 %\t6,4 %"
)
CITE = Citation(
    n=1, quote=ROW, passage_id="timra#12", document=TIMRA, section=["Uppdrag", "Nyckeltal"]
)
WHEN = datetime(2026, 3, 5, 14, 2)
RESP = AskResponse(
    question="Hur hög var sjukfrånvaron i Timrå 2021?",
    answered=True,
    answer="Sjukfrånvaro samtliga kommunanställda, 2021 jan-juni: 6,4 % [1]",
    citations=[CITE],
    passages=[],
    took_ms=3.0,
    confidence=0.9,
)


def _link(c: Citation) -> str:
    return f"http://ui/{c.document.id}" + (f"#page={c.page}" if c.page else "")


def test_markdown_has_question_date_answer_quote_and_citation() -> None:
    md = export.answer_markdown(RESP, WHEN, _link, "http://ui/?fraga=x")
    assert md == (
        "## Hur hög var sjukfrånvaron i Timrå 2021?\n\n"
        "*Frågat 2026-03-05 14:02 i Rapportsök*\n\n"
        "**Svar:** Sjukfrånvaro samtliga kommunanställda, 2021 jan-juni: 6,4 % [1]\n\n"
        "### Källor\n\n"
        "**[1]** Kommun: Timrå kommun; Rapport: Delårsrapport 2021, Kommunstyrelsen; År: 2021; "
        "Avsnitt: Uppdrag › Nyckeltal; Länk: http://ui/timra\n"
        "> Mått | 2020 jan-juni | 2021 jan-juni\n"
        "> Sjukfrånvaro samtliga kommunanställda | 7,5 % | 6,4 %\n\n"
        "Svaret i Rapportsök: http://ui/?fraga=x\n"
    )


def test_uncertain_answer_says_so_in_the_export() -> None:
    md = export.answer_markdown(RESP.model_copy(update={"uncertain": True}), WHEN, _link, "")
    assert "**Svar:** Osäkert svar – kontrollera källan.\nSjukfrånvaro samtliga" in md


def test_comparison_is_a_table_with_a_row_per_report() -> None:
    resp = RESP.model_copy(
        update={
            "comparison": [
                ComparisonEntry(document=TIMRA, answer="6,4 %", citation=1, confidence=0.8),
                ComparisonEntry(document=KOPING, answer=None, citation=None, confidence=0.1),
            ]
        }
    )
    md = export.answer_markdown(resp, WHEN, _link, "")
    assert (
        "| Kommun | Rapport | Svar | Källa |\n|---|---|---|---|\n"
        "| Timrå kommun | Delårsrapport 2021 | 6,4 % | [1] |\n"
        "| Köpings kommun | Delårsrapport 2019 | Ger ingen uppgift |  |\n"
    ) in md


def test_docx_holds_question_answer_quote_citation_and_date() -> None:
    from docx import Document

    data = export.answer_docx(RESP, WHEN, _link, "http://ui/?fraga=x")
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:4] == [
        "Hur hög var sjukfrånvaron i Timrå 2021?",
        "Frågat 2026-03-05 14:02 i Rapportsök",
        "Svar",
        "Sjukfrånvaro samtliga kommunanställda, 2021 jan-juni: 6,4 % [1]",
    ]
    assert texts[5:] == [
        "[1]",
        "Mått | 2020 jan-juni | 2021 jan-juni\n"
        "Sjukfrånvaro samtliga kommunanställda | 7,5 % | 6,4 %",
        "Kommun: Timrå kommun",
        "Rapport: Delårsrapport 2021, Kommunstyrelsen",
        "År: 2021",
        "Avsnitt: Uppdrag › Nyckeltal",
        "Länk: http://ui/timra",
        "Svaret i Rapportsök: http://ui/?fraga=x",
    ]
    assert doc.core_properties.title == RESP.question


def test_abstention_exports_the_message() -> None:
    resp = RESP.model_copy(
        update={"answered": False, "answer": None, "citations": [], "message": "Inget svar."}
    )
    assert export.answer_markdown(resp, WHEN, _link, "").endswith("**Svar:** Inget svar.\n")


def test_export_name_from_the_question() -> None:
    assert export.export_name("Hur hög var sjukfrånvaron i Timrå 2021?", WHEN) == (
        "rapportsok-hur-hog-var-sjukfranvaron-i-timra-2026-03-05.docx"
    )


def test_links_are_the_uis_own_and_real_hyperlinks_in_word() -> None:
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE

    public = "https://rapporter.kommun.se"
    link = export.report_link(public, CITE)
    assert link == "https://rapporter.kommun.se/?vy=rapporter&rapport=timra"
    assert export.report_link(public + "/", CITE) == link
    assert export.page_base("http://10.0.0.5:8501/?fraga=x#kalla-1") == "http://10.0.0.5:8501"

    md = export.answer_markdown(
        RESP, WHEN, lambda c: export.report_link(public, c), f"{public}/?fraga=x"
    )
    assert f"Länk: {link}\n" in md and ":8000" not in md

    data = export.answer_docx(
        RESP, WHEN, lambda c: export.report_link(public, c), f"{public}/?fraga=x"
    )
    doc = Document(io.BytesIO(data))
    targets = [
        r.target_ref
        for r in doc.part.rels.values()
        if r.reltype == RELATIONSHIP_TYPE.HYPERLINK and r.is_external
    ]
    assert targets == [link, f"{public}/?fraga=x"]
    # The links are clickable runs of their paragraphs, with the address as their text.
    hyperlinks = [h for p in doc.paragraphs for h in p.hyperlinks]
    assert [(h.address, h.text) for h in hyperlinks] == [
        (link, link),
        (f"{public}/?fraga=x", f"{public}/?fraga=x"),
    ]


def test_a_card_cited_twice_marks_both_quotes() -> None:
    from ui.answer import card_quotes

    second = CITE.model_copy(update={"n": 2, "quote": "Andra meningen."})
    other = CITE.model_copy(update={"n": 3, "passage_id": "timra#13", "quote": "Tredje."})
    assert card_quotes([CITE, second, other]) == {
        "timra#12": f"{ROW}\nAndra meningen.",
        "timra#13": "Tredje.",
    }

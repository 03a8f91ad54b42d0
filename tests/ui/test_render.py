"""The pure rendering helpers of the UI: citation lines, highlights, tables, answers."""

from __future__ import annotations

from service.schemas import DocumentInfo
from ui import render

TIMRA = DocumentInfo(
    id="timra-kommunstyrelsen-delarsrapport-2021",
    title="Delårsrapport 2021, Kommunstyrelsen",
    municipality="Timrå",
    organ="Kommunstyrelsen",
    report_type="Delårsrapport",
    year=2021,
    file_url="/documents/timra-kommunstyrelsen-delarsrapport-2021/file",
)


def test_section_path_joins_with_guillemet_and_drops_empty_parts() -> None:
    assert render.section_path(["Ekonomi", "Driftbudget"]) == "Ekonomi › Driftbudget"
    assert render.section_path(["Ekonomi", " ", ""]) == "Ekonomi"
    assert render.section_path([]) == ""


def test_citation_line_as_in_the_issue() -> None:
    line = render.citation_line(TIMRA, ["Ekonomi", "Driftbudget"])
    assert line == "Timrå kommun, Delårsrapport 2021, Ekonomi › Driftbudget"
    assert (
        render.citation_line(TIMRA, ["Ekonomi"], page=16)
        == "Timrå kommun, Delårsrapport 2021, Ekonomi, s. 16"
    )


def test_citation_line_without_type_uses_title_and_adds_missing_year() -> None:
    doc = TIMRA.model_copy(
        update={
            "report_type": None,
            "title": "Budgetuppföljning",
            "municipality": "Region Jämtland Härjedalen",
        }
    )
    assert render.citation_line(doc, []) == "Region Jämtland Härjedalen, Budgetuppföljning 2021"
    anon = TIMRA.model_copy(update={"municipality": None, "report_type": None, "year": None})
    assert render.citation_line(anon, ["Ekonomi"]) == "Delårsrapport 2021, Kommunstyrelsen, Ekonomi"


def test_highlight_escapes_first_and_uses_raw_offsets() -> None:
    text = "Kostnad <10 & intäkt"
    # 'intäkt' is text[14:20] in the raw text; after escaping it would be elsewhere.
    assert render.highlight(text, [(14, 20)]) == "Kostnad &lt;10 &amp; <mark>intäkt</mark>"
    assert render.highlight("<b>x</b>", []) == "&lt;b&gt;x&lt;/b&gt;"


def test_highlight_merges_overlaps_and_clamps() -> None:
    assert render.merge_spans([(5, 9), (0, 2), (1, 3), (8, 40), (7, 7)], 12) == [(0, 3), (5, 12)]
    assert render.highlight("abcdef", [(4, 99), (-3, 1)]) == "<mark>a</mark>bcd<mark>ef</mark>"


def test_tab_table_with_bold_cells_becomes_an_html_table() -> None:
    text = (
        "<b>Mått</b>\t<b>2020 jan-juni</b>\t<b>2021 jan-juni</b>\n"
        "Sjukfrånvaro samtliga kommunanställda\t7,5 %\t6,4 %"
    )
    start = text.index("Sjukfrånvaro")
    out = render.passage_html(text, [(start, start + len("Sjukfrånvaro"))])
    assert out == (
        '<div class="rs-passage"><table class="rs-table"><thead><tr>'
        "<th><strong>Mått</strong></th><th><strong>2020 jan-juni</strong></th>"
        "<th><strong>2021 jan-juni</strong></th></tr></thead><tbody><tr>"
        "<td><mark>Sjukfrånvaro</mark> samtliga kommunanställda</td>"
        '<td class="num">7,5 %</td><td class="num">6,4 %</td></tr></tbody></table></div>'
    )
    assert "\t" not in out and "&lt;b&gt;" not in out


def test_pipe_table_skips_the_rule_row_and_pads_short_rows() -> None:
    text = "| Avsnitt | Sida |\n|---|----|\n| Ekonomi | 23 |\n| Medarbetare |"
    out = render.passage_html(text)
    assert "---" not in out and "|" not in out
    assert "<thead><tr><th>Avsnitt</th><th>Sida</th></tr></thead>" in out
    assert '<tr><td>Ekonomi</td><td class="num">23</td></tr>' in out
    assert "<tr><td>Medarbetare</td><td></td></tr>" in out


def test_table_header_of_a_later_row_group_is_shown_without_highlights() -> None:
    text = "INTÄKTER\t19 978\t26 448"
    out = render.passage_html(text, [(0, 8)], table_header="Resultaträkning\tBudget\tUtfall")
    assert out.startswith(
        '<div class="rs-passage"><table class="rs-table"><thead><tr>'
        "<th>Resultaträkning</th><th>Budget</th><th>Utfall</th>"
    )
    assert '<td><mark>INTÄKTER</mark></td><td class="num">19 978</td>' in out


def test_running_text_paragraphs_headings_and_table_in_one_passage() -> None:
    text = (
        "### **Nyckeltal**\n\nFörsta raden\nandra raden\n\n"
        "Mått\t2021\nSjukfrånvaro\t6,4 %\nEfter tabellen."
    )
    out = render.passage_html(text, [(text.index("andra"), text.index("andra") + 5)])
    assert out == (
        '<div class="rs-passage"><p class="rs-heading"><strong>Nyckeltal</strong></p>'
        "<p>Första raden<br><mark>andra</mark> raden</p>"
        '<table class="rs-table"><thead><tr><th>Mått</th><th class="num">2021</th></tr>'
        '</thead><tbody><tr><td>Sjukfrånvaro</td><td class="num">6,4 %</td></tr></tbody>'
        "</table><p>Efter tabellen.</p></div>"
    )
    assert "\n" not in out


def test_html_in_report_text_is_never_passed_through() -> None:
    out = render.passage_html("<script>alert(1)</script> & <i>x</i>")
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out


def test_unbalanced_bold_is_closed() -> None:
    assert (
        render.passage_html("<b>Summa 40 358")
        == '<div class="rs-passage"><p><strong>Summa 40 358</strong></p></div>'
    )


def test_answer_markers_link_to_their_cards() -> None:
    out = render.answer_html("Överskottet är 7,3 mkr [1]. Okänt [9]. A<B [2]", [1, 2])
    assert out == (
        'Överskottet är 7,3 mkr <a class="rs-cite" href="#kalla-1" '
        'title="Gå till källa 1">[1]</a>. Okänt [9]. A&lt;B '
        '<a class="rs-cite" href="#kalla-2" title="Gå till källa 2">[2]</a>'
    )


def test_quoted_table_row_reads_as_one_line() -> None:
    row = "<b>Sjukfrånvaro samtliga kommunanställda</b>\t5,2 %\t\t6,4 % [1]"
    assert render.plain_quote(row) == "Sjukfrånvaro samtliga kommunanställda | 5,2 % | 6,4 % [1]"
    assert render.answer_html(row, [1]).startswith(
        'Sjukfrånvaro samtliga kommunanställda | 5,2 % | 6,4 % <a class="rs-cite"'
    )


def test_municipality_names_in_the_swedish_genitive() -> None:
    name = render.municipality_name
    assert name("Köping") == "Köpings kommun"
    assert name("Krokom") == "Krokoms kommun"
    assert name("Göteborg") == "Göteborgs Stad"
    assert name("Vännäs") == "Vännäs kommun"  # ends in s: no second s
    assert name("Västerås") == "Västerås stad"  # as the report metadata names it
    assert name("Timrå") == "Timrå kommun"  # ends in a vowel, as Timrå writes itself
    assert name("Eskilstuna") == "Eskilstuna kommun"
    assert name("Region Jämtland Härjedalen") == "Region Jämtland Härjedalen"
    assert name("Krokoms kommun") == "Krokoms kommun"
    assert name(None) is None and name(" ") is None


def test_the_documents_organisation_wins_over_the_municipality() -> None:
    doc = DocumentInfo(id="x", title="Årsredovisning", municipality="Göteborg", file_url="/f")
    assert render.publisher_name(doc) == "Göteborgs Stad"
    owned = doc.model_copy(update={"organisation": "Göteborg Energi AB"})
    assert render.publisher_name(owned) == "Göteborg Energi AB"
    assert render.citation_line(owned, ["Ekonomi"]).startswith("Göteborg Energi AB, ")

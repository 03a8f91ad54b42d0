"""The twelve real reports (`../shared/real-reports/`) read as clean text: no margin marks,
turned text or chart ticks as lines of single characters, words hyphenated at line ends
joined while real hyphens stay, the report drawn in glyph outlines and pictures of text
under a running footer read by OCR, no passage without a word, and headings that are
headings: whole, and never the start of a sentence. All twelve are read
once, by the session's worker processes (about 50 s on two idle cores, OCR included)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from real_reports import OUTLINES, Read

from rapportsok.text import is_heading_text

pytestmark = pytest.mark.slow


def test_all_twelve_reports_are_read(real_reads: dict[str, Read]) -> None:
    assert len(real_reads) == 12
    assert all(r.texts for r in real_reads.values())


def _single_character_runs(text: str) -> list[list[str]]:
    """Runs of 3 or more lines whose every word is one character ("d", "5", "b 3")."""
    runs: list[list[str]] = []
    run: list[str] = []
    for line in [*(ln for ln in text.split("\n") if ln.strip()), "end"]:
        if all(len(word) == 1 for word in line.split()):
            run.append(line)
            continue
        if len(run) >= 3:
            runs.append(run)
        run = []
    return runs


def test_no_passage_has_a_run_of_single_character_lines(real_reads: dict[str, Read]) -> None:
    # Before: the signature reference up the margin of the revisionsberättelse ("d / 5 /
    # 0 / 5 / b 3 ..."), photo credits printed upwards in the årsredogörelser ("n o / ss e
    # r / g ..."), the Riksbank's chart axes ("6 / 3 / 0"): 44 runs in all.
    found = {
        name: runs
        for name, read in real_reads.items()
        for runs in [[run for text in read.texts for run in _single_character_runs(text)]]
        if runs
    }
    assert found == {}


def test_turned_text_in_the_margin_is_left_out(real_reads: dict[str, Read]) -> None:
    # "Signature reference: 9e58a8c3-…" is printed up the margin of every signed page.
    revision = real_reads["goteborg-revisionsberattelse-2024.pdf"]
    assert not any("9e58a8c3" in t for t in revision.texts)


def test_no_passage_without_a_word(real_reads: dict[str, Read]) -> None:
    # Before: "2023-2025", "2024-04-03", "§ 71, 202/24" and a chart's "3,5" were passages.
    empty = {
        name: [t for t in read.texts if not re.search(r"[^\W\d_]{2}", t)]
        for name, read in real_reads.items()
    }
    assert {name: texts for name, texts in empty.items() if texts} == {}


def test_words_hyphenated_at_line_ends_are_joined(real_reads: dict[str, Read]) -> None:
    bjurholm = real_reads["bjurholm-riskochsarbarhetsanalys-2023.pdf"]
    # "Re-" + "sultatet", "Me-" + "toden", "Ge-" + "nom": the lower-case rule keeps the
    # hyphen of a capitalised word; the lexicon knows the joined word.
    assert [w for w, how in bjurholm.joined if how == "lexicon"] == [
        "Resultatet",
        "Metoden",
        "säkerställer",
        "Genom",
    ]
    revision = real_reads["goteborg-revisionsberattelse-2024.pdf"]
    assert [w for w, how in revision.joined if how == "lexicon"] == [
        "Anledningen",
        "Beslutet",
        "Enligt",
        "Enligt",
        "behov",
    ]
    # "Re-" + "visionsredogörelserna": known only as a compound, and a capitalised first
    # part may be a name's; it stays as printed.
    assert "Re-visionsredogörelserna" in "\n".join(revision.texts)
    report = real_reads["goteborg-stadsrevisionen-arsredogorelse-2024.pdf"]
    assert Counter(how for _, how in report.joined) == {"printed": 298, "lexicon": 60}
    text = "\n".join(report.texts)
    assert "Sammantaget" in text and "Sam-\nmantaget" not in text
    assert "dessvärre" in text and "dessvär-" not in text


def test_real_hyphens_stay(real_reads: dict[str, Read]) -> None:
    text = "\n".join(real_reads["goteborg-revisionsberattelse-2024.pdf"].texts)
    assert text.count("nköps- och upphandlingsnämnden") == 25
    assert "E-post" in text and "SIP-arbetet" in text
    text = "\n".join(real_reads["hagfors-riskochsarbarhetsanalys-2023.pdf"].texts)
    assert "EU-parlamentet" in text and "2023-2026" in text
    assert text.count("Vård- och omsorgsnära") == 11
    text = "\n".join(real_reads["goteborg-intraservice-delarsrapport-2026.pdf"].texts)
    assert "IT-säkerhet" in text and "beställnings- och återbrukssystem" in text
    # A web address broken at its hyphen keeps it.
    text = "\n".join(real_reads["helsingborg-samsynsguiden-2023.pdf"].texts)
    assert "regler-tillstand-och-anmalan/" in text


def test_the_report_drawn_in_outlines_is_read_by_ocr(real_reads: dict[str, Read]) -> None:
    # No text layer and no scan: its glyphs are vector paths. Rendered, then Tesseract.
    read = real_reads[OUTLINES]
    assert read.ocr_pages == 6
    text = "\n".join(read.texts)
    assert (
        "Revisorerna har avslutat granskningen av arbetet mot hedersrelaterat våld och förtryck."
        in text
    )
    assert "Revisionskontoret har på revisorsgruppens uppdrag granskat stadens arbete" in text
    # A page of OCR stays within the per-page limit with room to spare (about 4 s here).
    assert read.seconds < 6 * 30


def test_pictures_of_text_under_a_running_footer_are_read_by_ocr(
    real_reads: dict[str, Read],
) -> None:
    # Borlänge's pages 19-24 are screenshots of MSB's table of vital services: their text
    # layer is the running footer alone (over 20 characters, so they were no scans), and
    # their content was lost. Now OCR'd, the footer left out as on the other pages.
    read = real_reads["borlange-riskochsarbarhetsanalys-2023.pdf"]
    assert read.ocr_pages == 6
    text = "\n".join(read.texts)
    assert "Försörjningsstöd, socialförsäkring, arbetslöshetsförsäkring, pensioner." in text
    assert "Borlänge kommuns risk- och sårbarhetsanalys 2023-2026" not in text
    # Pages with a photo beside real text are no such pages, nor is Göteborg's full-page
    # photo behind a running footer (årsredogörelse 2024, page 24): only the outline
    # report, these six pages and Helsingborg's scanned appendix are OCR'd.
    assert {name: r.ocr_pages for name, r in real_reads.items() if r.ocr_pages} == {
        OUTLINES: 6,
        "borlange-riskochsarbarhetsanalys-2023.pdf": 6,
        "helsingborg-samsynsguiden-2023.pdf": 5,
    }


def test_a_heading_across_the_page_wrapped_into_its_left_column_stays_whole(
    real_reads: dict[str, Read],
) -> None:
    # The heading runs over both columns, its second line sits in the left one: it was cut
    # in two, and "funktionsnedsättning" began the text under "… med intellektuell".
    headings = real_reads["goteborg-stadsrevisionen-arsredogorelse-2022.pdf"].headings
    assert "Måluppfyllelse för elever med intellektuell funktionsnedsättning" in headings
    assert "Förebyggande arbete mot arbetslivskriminalitet i byggprocessen" in headings
    assert "Måluppfyllelse för elever med intellektuell" not in headings


def test_titles_on_ocr_pages_are_whole(real_reads: dict[str, Read]) -> None:
    # Tesseract's line boxes gave the one title three sizes (19.2, 16.4 and 19.6 pt: lines
    # with and without descenders) and set "av" on a line of its own: the title was cut
    # into "Missiv till granskningen", "av" and "arbetet mot hedersrelaterat våld".
    # Sized by x-height, the lines are one font.
    headings = real_reads[OUTLINES].headings
    assert "Missiv till granskningen av arbetet mot hedersrelaterat våld och förtryck" in headings
    assert (
        "Det förebyggande arbetet mot hedersrelaterat våld och förtryck kan förbättras" in headings
    )
    assert not {"Missiv till granskningen", "arbetet mot hedersrelaterat våld"} & headings


def test_a_title_that_changes_weight_is_whole(real_reads: dict[str, Read]) -> None:
    # The cover title is set in one size, its first line bold and its second not.
    for year in (2022, 2024):
        headings = real_reads[f"goteborg-stadsrevisionen-arsredogorelse-{year}.pdf"].headings
        assert f"Stadsrevisionen sammanfattar granskningen av verksamhetsåret {year}" in headings
        assert "Stadsrevisionen sammanfattar" not in headings


def test_columns_of_justified_text_are_read_one_by_one(real_reads: dict[str, Read]) -> None:
    # The right column's lines start at 304 and 306 pt: read as one column, its lines were
    # interleaved with the left column's ("de iakttagel- ensstämmelse mellan mål").
    text = "\n".join(real_reads["goteborg-stadsrevisionen-arsredogorelse-2022.pdf"].texts)
    assert "de iakttagelser som ligger till grund för revisorernas bedömning" in text
    assert "iakttagel- ensstämmelse" not in text
    # Page 5: the right column's lines start at 303.7 and 306.5 pt and stand 5 pt higher
    # than the left's ("en ny skolenhetsi undervisningstiden").
    assert "beslutat om principer för en ny skolenhetsorganisation där målet" in text


def test_no_passage_holds_a_control_code(real_reads: dict[str, Read]) -> None:
    # The årsredogörelser draw their tables of contents' leaders with "\x08".
    found = {
        name: [t[:60] for t in read.texts if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", t)]
        for name, read in real_reads.items()
    }
    assert {name: ts for name, ts in found.items() if ts} == {}


def test_no_heading_is_the_start_of_a_sentence(real_reads: dict[str, Read]) -> None:
    # A heading never ends in "och", "från", a comma or a hyphen, nor with a full stop, and
    # the text under it does not go on with its words in lower case. Before: "Missiv till
    # granskningen" / "av ...", "Stadsrevisionen sammanfattar" / "granskningen av ...",
    # "upphandlingsnämnden" / "lever upp till ...", "Yttrande ... anmärkning från" /
    # "stadsrevisionen" (11 headings). Left: a form's label over its value (Helsingborg's
    # scanned lease) and a table's title over its unit column.
    not_headings = {
        (name, title)
        for name, read in real_reads.items()
        for title in read.headings
        if not is_heading_text(title)
    }
    assert not_headings == set()
    cut = {
        (name, title)
        for name, read in real_reads.items()
        for title, text in read.openings
        if re.match(r"[a-zåäö]+\s", text)  # a word in lower case ("goteborg.se" is none)
    }
    # A bold line that goes on in lower case is the rest of the line above.
    riksbank = "\n".join(real_reads["riksbanken-penningpolitiskrapport-2014.pdf"].texts)
    assert "påverkar ekonomin genom olika kanaler\n" in riksbank
    assert cut == {
        ("helsingborg-samsynsguiden-2023.pdf", "Lägenhetsarrende"),
        ("goteborg-stadsrevisionen-arsredogorelse-2022.pdf", "Utfall per 2022-12-31"),
    }

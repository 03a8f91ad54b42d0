"""The section structure of each report in corpus/ is found as a reader sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.models import Chunk, Source
from indexer.reading.chunker import chunk_document
from indexer.reading.metadata import build_document
from indexer.reading.sections import find_blocks, outline

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _report(prefix: str) -> tuple[Path, Source]:
    path = next(CORPUS.glob(f"{prefix}-*"))
    return path, Source(path.read_text(encoding="utf-8"))


def _paths(prefix: str) -> set[tuple[str, ...]]:
    return {path for _, path in outline(_report(prefix)[1])}


def _chunks(prefix: str) -> list[Chunk]:
    path, source = _report(prefix)
    return chunk_document(build_document(path, source, "0" * 64, {}), source)


def _chunk_with(prefix: str, needle: str) -> Chunk:
    return next(c for c in _chunks(prefix) if needle in c.text)


# Each heading with its parent path, as the report's layout shows it.
HEADINGS = {
    "timra": [  # Markdown headings
        ("Nämndens ansvars- och verksamhetsområden", "Ledning och samordning"),
        ("Bidrag till mål och uppdrag", "Målbild: Trygghet, delaktighet och livslångt lärande"),
        ("Målbild: Tillväxt, sysselsättning och arbete", "Inriktningsmål 4: Fler i arbete"),
        ("Ekonomi", "Sammanfattning"),
        ("Ekonomi", "Driftbudget"),
        ("Uppföljning av privata utförare", "PREVIA , företagshälsovård"),
        ("Strategier för måluppfyllelse", "Digitalisera"),
    ],
    "eskilstuna": [  # bare heading lines, a pipe-table table of contents
        ("Hållbar utveckling", "Processområde Näringsliv och arbete"),
        ("Hållbar utveckling", "Processområde Utbildning"),
        ("Hållbar utveckling", "Processområde Demokrati"),
        ("Effektiv organisation", "Processkvalitet"),
        ("Ekonomi", "Ekonomisk redovisning", "Resultaträkning"),
        ("Ekonomi", "Ekonomisk redovisning", "Driftredovisning - underliggande enheter"),
        ("Förklaring symboler", "Trendpil"),
    ],
    "koping": [  # no Markdown at all, no table of contents
        ("Andra händelser", "Kommunchef"),
        ("Andra händelser", "Kansli", "Kansliavdelning"),
        ("Ekonomisk uppföljning", "Driftredovisning"),
        ("Ekonomisk uppföljning", "Investeringsredovisning"),
        (
            "Förvaltningens bidrag till de kommungemensamma målen",
            "Mål – Trygghet i livets alla skeenden",
        ),
        ("Förvaltningens bidrag till de kommungemensamma målen", "Mål – Arbete och näringsliv"),
    ],
    "krokom": [  # bare headings, "Mål 3. …" family, tab table of contents
        ("Kommentar från förvaltningschefen", "Tillsammans mot krisen"),
        ("Måluppfyllelse", "Förändringsmål"),
        ("Måluppfyllelse", "Mål 2. Utbud och bredd av bostäder ska öka"),
        ("Ekonomisk uppföljning", "Årsbokslut"),
        ("Ekonomisk uppföljning", "Detaljramar"),
        ("Ekonomisk uppföljning", "Ekonomisk analys"),
        ("Verksamhetsberättelse", "Viktiga händelser under året"),
    ],
}


@pytest.mark.parametrize(
    ("prefix", "path"), [(p, path) for p, paths in HEADINGS.items() for path in paths]
)
def test_heading_is_found_under_its_parent(prefix: str, path: tuple[str, ...]) -> None:
    assert path in _paths(prefix)


@pytest.mark.parametrize("prefix", list(HEADINGS))
def test_title_page_lines_are_not_sections(prefix: str) -> None:
    tops = {path[0] for path in _paths(prefix)}
    assert not tops & {
        "Kommunstyrelsen",
        "Delårsrapport 2021",
        "Årsredovisning 2020",
        "Kommunstyrelsen - Kommunledningsförvaltningen",
    }


def test_running_header_is_not_a_heading_in_koping() -> None:
    assert not any("Kommunledningsförvaltningen" in "".join(p) for p in _paths("koping"))


def test_status_answers_do_not_make_headings() -> None:
    # "Att antalet kunder med e-faktura ska öka" is answered by "Ja": a table row, not a heading.
    assert not any(p[-1].startswith("Att antalet kunder") for p in _paths("koping"))


@pytest.mark.parametrize(
    ("prefix", "needle", "section"),
    [
        (
            "timra",
            "Sjukfrånvaro samtliga kommunanställda\t5,2 %",
            ("Uppdrag: Skapa utrymme för ny styrning", "Nyckeltal"),
        ),
        (
            "timra",
            "För Kommunstyrelsens ansvarsområden som helhet redovisas",
            ("Ekonomi", "Sammanfattning"),
        ),
        (
            "eskilstuna",
            "Total sjukfrånvaro - tillsvidareanställda",
            ("Medarbetare", "4-åriga processmål", "Indikatorer för KLK som egen förvaltning"),
        ),
        (
            "eskilstuna",
            "Inga investeringar att rapportera i delår 2.",
            ("Ekonomi", "Ekonomisk redovisning", "Investeringsredovisning"),
        ),
        ("koping", "infördes friskvårdsbidrag till alla anställda", ("Våra viktigaste händelser",)),
        ("koping", "Gemensam administration\t7 851", ("Ekonomisk uppföljning", "Driftredovisning")),
        (
            "krokom",
            "Kommunstyrelsens verksamheter visar vid årsbokslutet ett överskott",
            ("Ekonomisk uppföljning", "Ekonomisk analys"),
        ),
        ("krokom", "Verksamhetsnetto\t-74,8", ("Ekonomisk uppföljning", "Årsbokslut")),
    ],
)
def test_chunk_carries_its_section_path(prefix: str, needle: str, section: tuple) -> None:
    assert _chunk_with(prefix, needle).section == section


def test_table_of_contents_is_not_indexed() -> None:
    for prefix in HEADINGS:
        for chunk in _chunks(prefix):
            assert "....." not in chunk.text
            assert "Innehållsförteckning" not in chunk.text


@pytest.mark.parametrize("prefix", list(HEADINGS))
def test_chunks_are_verbatim_spans_of_the_report(prefix: str) -> None:
    _, source = _report(prefix)
    for chunk in _chunks(prefix):
        assert source.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()


@pytest.mark.parametrize("prefix", list(HEADINGS))
def test_no_body_text_is_lost(prefix: str) -> None:
    """Every text and table block lies inside some chunk."""
    _, source = _report(prefix)
    covered = [False] * len(source.text)
    for chunk in _chunks(prefix):
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    for block in find_blocks(source):
        if block.type in ("text", "table"):
            body = [i for i in range(block.start, block.end) if not source.text[i].isspace()]
            assert all(covered[i] for i in body), source.text[block.start : block.end][:80]


@pytest.mark.parametrize("prefix", list(HEADINGS))
def test_chunks_never_cross_a_heading(prefix: str) -> None:
    _, source = _report(prefix)
    headings = [b for b in find_blocks(source) if b.type == "heading"]
    for chunk in _chunks(prefix):
        assert not any(chunk.start < h.start < chunk.end for h in headings), chunk.text[:80]


def test_context_header_names_municipality_report_and_section() -> None:
    chunk = _chunk_with("timra", "För Kommunstyrelsens ansvarsområden som helhet redovisas")
    assert chunk.context.startswith("Timrå kommun · Delårsrapport 2021 · Ekonomi › Sammanfattning")
    assert chunk.context not in chunk.text


def test_long_table_is_split_into_row_groups_that_repeat_the_header() -> None:
    """Timrå's cost table per activity goes on after a blank line without its header: every
    row group of the long part carries "Resultat per verksamhet jan-aug (tkr)" along."""
    section = ("KS ansvarsområden exkl. bolag och förbund", "Effekter covid-19")
    groups = [c for c in _chunks("timra") if c.kind == "table" and c.section == section]
    header = groups[0].text.split("\n")[0]
    assert header.startswith("Resultat per verksamhet jan-aug (tkr)\tBudget period")
    assert len(groups) >= 3
    for later in groups[1:]:
        assert later.table_header == header
        assert header in later.context
        assert len(later.text) <= 1200


def test_photo_credit_is_not_indexed_but_text_stays_verbatim() -> None:
    from indexer.reading.chunker import clean_text

    for chunk in _chunks("krokom"):
        assert "Foto: Anneli Åsén" not in clean_text(chunk.indexed_text)


def test_words_hyphenated_across_a_page_break_are_joined_for_indexing() -> None:
    from indexer.reading.chunker import clean_text

    chunk = _chunk_with("krokom", "skapat gemen-")
    assert "gemensamma lösningar" in clean_text(chunk.text)

"""Report metadata from the document's own front matter, never from a word in the body."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.models import Document, Source
from indexer.reading.metadata import build_document, doc_id_for, infer_metadata, read_metadata
from indexer.reading.sources import read_report

BODY = "Texten fortsätter här med annat innehåll. " * 60


def _meta(tmp_path: Path, name: str, text: str) -> dict[str, object]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return infer_metadata(path, read_report(path))


def test_the_markdown_title_is_the_title(tmp_path: Path) -> None:
    meta = _meta(
        tmp_path,
        "ds-2023-09-ds-202326.md",
        "# Delårsrapport 2 2023 för **Ale kommun**\n\n## Ekonomi\n\n" + BODY,
    )
    assert meta["title"] == "Delårsrapport 2 2023 för Ale kommun"
    assert meta["report_type"] == "Delårsrapport"
    assert meta["year"] == 2023
    assert meta["municipality"] == "Ale"


def test_type_and_municipality_come_from_the_front_not_the_body(tmp_path: Path) -> None:
    text = (
        "# Förslag till ny lag om kommunal redovisning\n\n"
        + BODY
        + "Enligt årsredovisningslagen ska Gotlands kommun redovisa. "
        + BODY
    )
    meta = _meta(tmp_path, "proposition.md", text)
    assert "report_type" not in meta
    assert "municipality" not in meta


def test_a_municipality_named_throughout_is_the_reports(tmp_path: Path) -> None:
    text = "Rapport\n\n" + BODY + " Timrå kommun satsar. " * 6
    assert _meta(tmp_path, "rapport.txt", text)["municipality"] == "Timrå"


def test_budget_and_plans_are_report_types_only_on_the_front() -> None:
    budget = Source("Mål och budget 2024–2026\n\nKrokoms kommun\n\n" + BODY)
    assert infer_metadata(Path("x.txt"), budget)["report_type"] == "Budget"
    report = Source("Delårsrapport\n\n" + BODY + "Driftbudget och budget 2024 följs upp.")
    assert infer_metadata(Path("y.txt"), report)["report_type"] == "Delårsrapport"


def test_markdown_images_and_escapes_never_reach_the_text(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text(
        "# Rapport\n\n![Omslag med foto](/contentassets/omslag.jpg)\n\n"
        "Fyll i \\_\\_\\_ och \\*markera\\*.\n",
        encoding="utf-8",
    )
    assert read_report(path).text == "# Rapport\n\n\n\nFyll i ___ och *markera*.\n"


def _cover(*lines: tuple[str, float]) -> tuple[tuple[str, float, float], ...]:
    """A PDF's first page: lines of (text, font size), each below the one before."""
    out, top = [], 100.0
    for text, size in lines:
        out.append((text, size, top))
        top += size * 1.2
    return tuple(out)


def test_the_cover_title_is_its_largest_print_and_names_kind_and_year() -> None:
    source = Source(
        "Kommunfullmäktige\n\nHandling 2025 nr 68\n\n" + BODY,
        page_starts=(0, 500),
        cover=_cover(
            ("Kommunfullmäktige", 11.0),
            ("Handling 2025 nr 68", 13.6),
            ("Revisionsberättelse avseende Göteborgs", 18.0),
            ("Stads verksamheter under 2024", 18.0),
            ("Till Göteborgs kommunfullmäktige", 11.0),
            ("Revisorsgruppen har till Göteborgs kommunfullmäktige överlämnat", 11.0),
        ),
        markup="pdf",
    )
    doc = build_document(Path("handling-68.pdf"), source, "0" * 64, {})
    assert doc.title == "Revisionsberättelse avseende Göteborgs Stads verksamheter under 2024"
    assert (doc.report_type, doc.year) == ("Revisionsberättelse", 2024)  # not the 2025 handling
    assert (doc.organisation, doc.municipality) == ("Göteborgs Stad", "Göteborg")
    assert doc.organ == "Revisorsgruppen"  # not the kommunfullmäktige it is addressed to
    assert doc.sources == {
        "title": "cover",
        "organisation": "cover",
        "municipality": "cover",
        "organ": "cover",
        "report_type": "cover",
        "year": "cover",
    }


def test_a_letter_spaced_cover_and_the_pdf_properties_name_the_organisation() -> None:
    source = Source(
        "Penningpolitisk rapport\n\nJuli 2014\n\n" + BODY,
        page_starts=(0, 400),
        cover=_cover(
            ("Penningpolitisk", 40.0),
            ("rapport", 40.0),
            ("", 40.0),
            ("Juli 2014", 40.0),
            ("S V E R I G E S R I K S B A N K", 24.0),
        ),
        properties={"Author": "Sveriges riksbank"},
        markup="pdf",
    )
    meta, sources = read_metadata(Path("rap_ppr_140703_sve.pdf"), source)
    assert meta["title"] == "Penningpolitisk rapport Juli 2014"
    assert meta["report_type"] == "Penningpolitisk rapport"
    assert meta["organisation"] == "Sveriges riksbank" and sources["organisation"] == "cover"
    assert "municipality" not in meta and "organ" not in meta  # unknown, never a default


def test_the_file_name_names_the_municipality_only_when_the_text_does_too() -> None:
    body = BODY + "Helsingborgs stad ansvarar för bygglov. " + BODY
    meta, sources = read_metadata(Path("helsingborg-samsynsguiden-2023.pdf"), Source(body))
    assert (meta["municipality"], meta["organisation"]) == ("Helsingborg", "Helsingborgs stad")
    assert sources["municipality"] == sources["organisation"] == "file name"
    assert meta["report_type"] == "Vägledning" and sources["report_type"] == "file name"
    assert (meta["year"], sources["year"]) == (2023, "file name")
    # "mark" is a municipality too, but this text never names it
    assert "municipality" not in read_metadata(Path("plan-for-mark-2024.txt"), Source(BODY))[0]


def test_the_organ_is_the_writer_not_the_addressee() -> None:
    cover = _cover(
        ("Risk- och sårbarhetsanalys", 22.0),
        ("2023–2026", 22.0),
        ("Rapporterad till kommunstyrelsen 2024-01-15", 12.0),
        ("Sammanställd av Räddningstjänsten", 12.0),
    )
    meta = infer_metadata(Path("rsa.pdf"), Source(BODY, cover=cover, markup="pdf"))
    assert meta["organ"] == "Räddningstjänsten"
    assert meta["report_type"] == "Risk- och sårbarhetsanalys" and meta["year"] == 2023
    author = {"Author": "Kultur- och fritidsnämnden", "Title": "2025 Årsbokslut"}
    meta = infer_metadata(Path("x.pdf"), Source(BODY, properties=author, markup="pdf"))
    assert (meta["organ"], meta["report_type"]) == ("Kultur- och fritidsnämnden", "Årsbokslut")
    assert meta["period"] == "januari–december"


def test_generic_kinds_count_only_in_a_title() -> None:
    text = "Verksamheten\n\nEnligt stadsmiljöprogram och översiktsplan gäller följande.\n" + BODY
    assert "report_type" not in infer_metadata(Path("rapport.txt"), Source(text))
    plan = Source("# Energiplan för Lunds kommun\n\n" + BODY, markup="markdown")
    assert infer_metadata(Path("energi.md"), plan)["report_type"] == "Plan"


def test_the_catalogue_overrides_with_its_own_source() -> None:
    source = Source("Delårsrapport augusti 2021\n\nTimrå kommun\n\n" + BODY)
    catalogue = {"r.txt": {"municipality": "Köping", "year": 2019}}
    doc = build_document(Path("r.txt"), source, "0" * 64, catalogue)
    assert (doc.municipality, doc.year, doc.report_type) == ("Köping", 2019, "Delårsrapport")
    assert doc.organisation == "Köpings kommun"  # the catalogue's municipality's
    assert doc.sources["municipality"] == doc.sources["organisation"] == "catalogue"
    assert doc.sources["report_type"] == "front"


def test_documents_of_older_manifests_read_without_organisation_and_sources() -> None:
    old = {"id": "a", "path": "a.txt", "sha256": "", "title": "A", "municipality": "Ale"}
    doc = Document.from_dict(old)
    assert (doc.organisation, doc.sources) == (None, {})
    assert Document.from_dict(doc.to_dict()) == doc


def test_a_deadline_on_the_cover_does_not_date_the_report() -> None:
    # A missive asks for answers "senast den 21 juni 2024" and is dated 19 september 2023.
    cover = (
        ("Missiv till granskningen", 19.2, 100.0),
        ("Skicka yttrandet till stadsrevisionen senast den 21", 8.4, 580.0),
        ("juni 2024", 8.4, 600.0),
        ("Göteborg den 19 september 2023", 8.4, 620.0),
    )
    source = Source("Missiv till granskningen\n\n" + BODY, cover=cover, markup="pdf")
    meta = infer_metadata(Path("missiv.pdf"), source)
    assert meta["year"] == 2023


@pytest.mark.parametrize(
    ("name", "doc_id"),
    [
        (
            "eskilstuna-kommunstyrelsen-delarsrapport-2023.txt",
            "eskilstuna-kommunstyrelsen-delarsrapport-2023",
        ),
        ("Årsredovisning Håbo.pdf", "arsredovisning-habo"),
        ("Årsredovisning-Håbo.pdf", "arsredovisning-habo"),  # as safe_name() stores it
        ("Delårsrapport Örebro Café 2023.md", "delarsrapport-orebro-cafe-2023"),
        ("Ærø Straße Łódź.txt", "aero-strasse-lodz"),
        ("ﬁnal Ｒapport１.pdf", "final-rapport1"),  # NFKD: ligature and full-width forms
        # Other scripts: the ASCII part (if any) and a short sha256 of the lower-case stem.
        ("東京報告.pdf", "573df6bb5d"),
        ("大阪報告.pdf", "bca08eeb5e"),
        ("Rapport 東京.txt", "rapport-eb4e1e0bec"),
        ("Отчёт 2023.pdf", "2023-efe5a1003e"),
        ("!!!.pdf", "e84c538e7f"),  # no letters at all: no shared fallback id
    ],
)
def test_ids_fold_swedish_letters_and_hash_other_scripts(name: str, doc_id: str) -> None:
    assert doc_id_for(Path(name)) == doc_id
    assert re.fullmatch(r"[a-z0-9._-]+", doc_id)  # plain ASCII, as the chunk store expects


def test_no_two_non_latin_names_share_an_id() -> None:
    names = ["報告.pdf", "年度報告.pdf", "Отчёт.pdf", "تقرير.pdf", "…​.pdf", "---.txt"]
    ids = {doc_id_for(Path(n)) for n in names}
    assert len(ids) == len(names) and "report" not in ids
    assert doc_id_for(Path("東京報告.PDF")) == doc_id_for(Path("東京報告.pdf"))  # stable

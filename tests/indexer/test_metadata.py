"""Report metadata from the document's own front matter, never from a word in the body."""

from __future__ import annotations

from pathlib import Path

from indexer.models import Source
from indexer.reading.metadata import infer_metadata
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

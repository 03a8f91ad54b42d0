"""Markdown reports: bold headings of one look are siblings, and a list stays in one passage
with the sentence that introduces it (.md files; .txt reports keep their passages)."""

from __future__ import annotations

from pathlib import Path

from indexer.reading.chunker import chunk_document
from indexer.reading.metadata import build_document
from indexer.reading.sections import outline
from indexer.reading.sources import read_report

# Three numbered bold headings under a "##" heading, then a paragraph and a list introduced
# by "Utredningen föreslår:" that together are longer than a passage may be (1,400).
BACKGROUND = " ".join(
    ["Kommunen har under flera år sett ett ökat behov av samordning mellan förvaltningarna."] * 8
)
ITEMS = [
    f"- att {what} under kommunstyrelsen med ansvar för service, uppföljning och "
    "samordning av kommunens kontaktvägar till invånare och företag,"
    for what in ("en servicefunktion inrättas", "ett kontaktcenter öppnas", "en e-tjänst byggs")
] * 2
REPORT = "\n\n".join(
    [
        "# Utredning om samordnad service",
        "## Sammanfattning",
        "**1. Bakgrund**",
        "Utredningen gjordes på uppdrag av kommunstyrelsen.",
        "**2. Uppdraget**",
        "Uppdraget var att föreslå en ny organisation för kommunens service.",
        "**3. Förslag**",
        BACKGROUND,
        "Utredningen föreslår:",
        "\n".join(ITEMS),
    ]
)


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_bold_headings_of_one_look_are_siblings(tmp_path: Path) -> None:
    source = read_report(_write(tmp_path, "utredning.md"))
    assert [path for _, path in outline(source)] == [
        ("Utredning om samordnad service",),
        ("Utredning om samordnad service", "Sammanfattning"),
        ("Utredning om samordnad service", "Sammanfattning", "1. Bakgrund"),
        ("Utredning om samordnad service", "Sammanfattning", "2. Uppdraget"),
        ("Utredning om samordnad service", "Sammanfattning", "3. Förslag"),
    ]


def test_a_list_stays_with_its_introduction(tmp_path: Path) -> None:
    path = _write(tmp_path, "utredning.md")
    source = read_report(path)
    chunks = chunk_document(build_document(path, source, "0" * 64, {}), source)
    # 687 + 23 + 933 characters: the list goes on in a passage of its own, and its
    # introduction with it.
    assert (len(BACKGROUND), len("\n".join(ITEMS))) == (687, 933)
    assert [c.text for c in chunks if c.section[-1] == "3. Förslag"] == [
        BACKGROUND,
        "Utredningen föreslår:\n\n" + "\n".join(ITEMS),
    ]


def test_a_txt_report_keeps_a_list_with_its_introduction_too(tmp_path: Path) -> None:
    path = _write(tmp_path, "utredning.txt")
    source = read_report(path)
    chunks = chunk_document(build_document(path, source, "0" * 64, {}), source)
    assert [c.text for c in chunks if c.section[-1] == "3. Förslag"] == [
        BACKGROUND,
        "Utredningen föreslår:\n\n" + "\n".join(ITEMS),
    ]

"""The reading report: the facts `reading_quality` takes from a read report, the lines
`rapportsok index` ends with, and `rapportsok info --quality` on an index made here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import FakeEncoder

from indexer.build import BuildReport, accept, build_index
from indexer.language.analyzer import get_analyzer
from indexer.models import Chunk, Document, ReadingQuality, Source
from indexer.reading.quality import page_ranges, reading_quality, troubles
from indexer.reading.sections import sections
from indexer.store.index import load_index
from indexer.update import add_reports
from rapportsok.cli import main

# Three pages: text, a page number alone, text that the passages below leave out.
PAGES = ["Ekonomi\n\nÖverskott på 3 miljoner kronor.\n\n", "12\n\n", "Bilaga med tabeller.\n"]
TEXT = "".join(PAGES)
STARTS = (0, len(PAGES[0]), len(PAGES[0]) + len(PAGES[1]))

KNOWN = {"organisation": "Ekby kommun", "organ": "Kommunstyrelsen", "report_type": "Delårsrapport"}


def _doc(quality: ReadingQuality | None, **fields: object) -> Document:
    values = {**KNOWN, "year": 2022, **fields}
    return Document("ekby", "ekby.pdf", "0" * 64, "Delårsrapport 2022", quality=quality, **values)  # type: ignore[arg-type]


def test_quality_names_ocr_empty_and_unpassaged_pages_and_unmapped_glyphs() -> None:
    source = Source(TEXT, STARTS, ocr_pages=(1, 2), ocr_seconds=12.34, markup="pdf", cid_chars=7)
    chunk = Chunk("c1", "ekby", PAGES[0].strip(), ("Ekonomi",), 0, len(PAGES[0].rstrip()), 1)
    q = reading_quality(source, sections(source), [chunk])
    assert q == ReadingQuality(
        ocr_pages=(1, 2),
        ocr_seconds=12.3,
        empty_pages=(2,),  # "12" alone is no text
        unpassaged_pages=(3,),
        cid_chars=7,
        chars=len("Ekonomi") + len("Överskottpå3miljonerkronor.") + 2 + len("Bilagamedtabeller."),
    )
    assert troubles(_doc(q, organ=None, year=None)) == [
        "OCR on 2 pages (1-2) in 12.3 s",
        "no text on page 2",
        "text in no passage on page 3",
        "7 glyphs without a Unicode mapping left out (11.5% of the text layer)",  # 7 / (7 + 54)
        "metadata unknown: organ, year",
    ]


def test_a_text_report_read_cleanly_has_no_trouble() -> None:
    source = Source("Ekonomi\n\nÖverskott.\n")
    chunk = Chunk("c1", "ekby", "Överskott.", ("Ekonomi",), 9, 19)
    q = reading_quality(source, sections(source), [chunk])
    assert q == ReadingQuality(chars=len("EkonomiÖverskott."))
    assert troubles(_doc(q)) == []


def test_an_index_written_before_the_reading_was_recorded_says_unknown() -> None:
    doc = _doc(None, organisation=None)
    assert troubles(doc) == [
        "reading quality unknown (indexed before it was recorded)",
        "metadata unknown: organisation",
    ]
    data = doc.to_dict()
    del data["quality"]  # as an older index stores it
    assert Document.from_dict(data).quality is None


def test_quality_survives_the_index_format() -> None:
    q = ReadingQuality(ocr_pages=(3, 4), ocr_seconds=1.5, empty_pages=(9,), cid_chars=2)
    doc = _doc(q)
    back = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert back.quality == q


def test_page_ranges_fold_runs() -> None:
    assert page_ranges([9, 1, 2, 3, 7, 10]) == "1-3, 7, 9-10"


def test_accept_records_a_line_per_report_read_with_trouble() -> None:
    report = BuildReport(Path("index"))
    quality = ReadingQuality(ocr_pages=(2,), ocr_seconds=4.0, empty_pages=(5, 6))
    chunk = Chunk("c1", "ekby", "Överskott.", (), 0, 10, 1)
    assert accept(report, "ekby.pdf", (_doc(quality, organisation=None), [chunk], (1, 4.0)))
    assert accept(report, "ren.pdf", (_doc(ReadingQuality()), [chunk], (0, 0.0)))
    assert report.troubles == [
        (
            "ekby.pdf",
            "OCR on page 2 in 4.0 s; no text on 2 pages (5-6); metadata unknown: organisation",
        )
    ]
    assert (report.ocr_pages, report.ocr_seconds) == (1, 4.0)


@pytest.fixture
def tiny_index(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ekby-kommun-delarsrapport-2022.txt").write_text(
        "Ekby kommun\nKommunstyrelsen\nDelårsrapport 2022\n\nEkonomi\n\n"
        "Ekby kommun redovisar ett överskott på 2,5 miljoner kronor.\n",
        encoding="utf-8",
    )
    (corpus / "catalogue.toml").write_text(
        '[reports."ekby-kommun-delarsrapport-2022.txt"]\norganisation = "Ekby kommun"\n'
        'organ = "Kommunstyrelsen"\nreport_type = "Delårsrapport"\nyear = 2022\n',
        encoding="utf-8",
    )
    (corpus / "anteckningar.txt").write_text(
        "Möte\n\nVi talade om biblioteket och dess öppettider.\n", encoding="utf-8"
    )
    out = tmp_path / "index"
    report = build_index(corpus, out, FakeEncoder())
    assert report.troubles == [
        ("anteckningar.txt", "metadata unknown: organisation, organ, report_type, year")
    ]
    return out


def test_info_quality_states_each_report_from_the_index(
    tiny_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(tiny_index), "--quality"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"reading report of {tiny_index}: 1 of 2 reports with trouble",
        "  anteckningar.txt: metadata unknown: organisation, organ, report_type, year",
        "  ekby-kommun-delarsrapport-2022.txt: read cleanly",
    ]


def test_info_quality_of_an_older_index_says_unknown(
    tiny_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in tiny_index.rglob("documents.json"):  # as written before `quality` existed
        docs = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps([{k: v for k, v in d.items() if k != "quality"} for d in docs]))
    assert all(d.quality is None for d in load_index(tiny_index).documents.values())
    assert main(["info", str(tiny_index), "--quality"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"reading report of {tiny_index}: 2 of 2 reports with trouble"
    assert out[2] == (
        "  ekby-kommun-delarsrapport-2022.txt: "
        "reading quality unknown (indexed before it was recorded)"
    )


def test_an_upload_records_its_reading_quality(tiny_index: Path) -> None:
    corpus = tiny_index.parent / "corpus"
    (corpus / "protokoll.txt").write_text("Protokoll\n\nBeslut om budget.\n", encoding="utf-8")
    report = add_reports(corpus, tiny_index, ["protokoll.txt"], FakeEncoder(), get_analyzer())
    assert report.troubles == [
        ("protokoll.txt", "metadata unknown: organisation, organ, year")  # "Protokoll": a kind
    ]
    stored = load_index(tiny_index).documents["protokoll"].quality
    assert stored == ReadingQuality(chars=len("ProtokollBeslutombudget."))

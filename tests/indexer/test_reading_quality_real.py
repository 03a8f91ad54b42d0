"""The reading report on two of the real PDFs in `../shared/real-reports/`, read in place:
Göteborg's årsredogörelse 2024, whose page 32 is empty (SOURCES.md), and Simrishamn's
budgetskrivelse, whose cover, header page and table of contents hold no passage on purpose
and are no trouble. Reads both in full (~15 s): slow."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FakeEncoder
from real_reports import real_reports

from indexer.build import build_index
from rapportsok.cli import main

REAL = real_reports()
pytestmark = pytest.mark.slow
EMPTY_PAGE = "goteborg-stadsrevisionen-arsredogorelse-2024.pdf"
CLEAN = "simrishamn-kulturochfritidsnamnden-budgetskrivelse-2027.pdf"


def test_index_and_info_state_the_trouble_of_real_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (EMPTY_PAGE, CLEAN):
        (corpus / name).symlink_to(REAL / name)  # read in place, not copied
    out = tmp_path / "index"
    report = build_index(corpus, out, FakeEncoder())
    assert report.troubles == [(EMPTY_PAGE, "no text on page 32")]
    assert main(["info", str(out), "--quality"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"reading report of {out}: 1 of 2 reports with trouble",
        f"  {EMPTY_PAGE}: no text on page 32",
        f"  {CLEAN}: read cleanly",
    ]

"""The reading report on two of the real PDFs in `../shared/real-reports/`, read in place:
Göteborg's årsredogörelse 2024, whose page 32 is empty (SOURCES.md), and Simrishamn's
budgetskrivelse, whose cover, header page and table of contents hold no passage on purpose
and are no trouble. Reads both in full (~15 s): slow."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FakeEncoder

from indexer.build import build_index
from rapportsok.cli import main


def _real_reports() -> Path:
    """`shared/real-reports` beside the checkout or beside a folder above it (a worktree);
    it is there in every checkout and in CI, so its absence fails loudly."""
    for folder in Path(__file__).resolve().parents[2:5]:
        candidate = folder.parent / "shared" / "real-reports"
        if (candidate / "SOURCES.md").is_file():
            return candidate
    raise FileNotFoundError("../shared/real-reports is missing beside the checkout")


REAL = _real_reports()
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

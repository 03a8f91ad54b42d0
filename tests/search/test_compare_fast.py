"""Comparisons: a verdict only for the same measure in the same unit (fast tier)."""

from __future__ import annotations

from indexer.models import Chunk, Hit
from search.compare import ComparisonRow, figure, missing, verdict
from search.units import units

HEADER = "Mått\t2020\t2021"
NAMES = {"a": "Ale", "b": "Bjuv", "c": "Vara"}


def _cell(doc_id: str, row: str, column: int = 2) -> ComparisonRow:
    text = f"{HEADER}\n{row}"
    chunk = Chunk(
        id=f"{doc_id}:0", doc_id=doc_id, text=text, section=(), start=0, end=len(text), kind="table"
    )
    cells = [u for u in units(Hit(chunk, 1.0, 1)) if u.kind == "cell"]
    return ComparisonRow(doc_id, cells[column - 1], 0.9)


def test_figures_are_read_the_swedish_way() -> None:
    assert figure("6,4 %") == (6.4, "%")
    assert figure("-1 234,5 tkr") == (-1234.5, "tkr")
    assert figure("+300") == (300.0, "")
    assert figure("cirka 5 %") is None


def test_the_highest_of_the_same_measure_is_named() -> None:
    rows = [_cell("a", "Sjukfrånvaro\t5,2 %\t6,4 %"), _cell("b", "Sjukfrånvaro\t7,0 %\t8,3 %")]
    assert verdict("Vilken kommun hade högst sjukfrånvaro 2021?", rows, NAMES) == (
        "Högst: Bjuv (8,3 %)."
    )
    assert verdict("Var var sjukfrånvaron lägst?", rows, NAMES) == "Lägst: Ale (6,4 %)."
    assert verdict("Jämför sjukfrånvaron", rows, NAMES) is None  # no verdict asked for


def test_no_verdict_across_measures_units_or_a_missing_report() -> None:
    same = _cell("a", "Sjukfrånvaro\t5,2 %\t6,4 %")
    other_measure = _cell("b", "Personalomsättning\t7,0 %\t8,3 %")
    other_unit = _cell("b", "Sjukfrånvaro\t7\t8 dagar")
    assert verdict("högst?", [same, other_measure], NAMES) is None
    assert verdict("högst?", [same, other_unit], NAMES) is None
    assert verdict("högst?", [same, ComparisonRow("c", None, 0.1)], NAMES) is None


def test_reports_without_a_figure_are_named() -> None:
    rows = [
        _cell("a", "Sjukfrånvaro\t5,2 %\t6,4 %"),
        ComparisonRow("b", None, 0.1),
        ComparisonRow("c", None, 0.2),
    ]
    assert missing(rows, NAMES) == "Ingen uppgift i rapporterna från Bjuv och Vara."
    assert missing(rows[:1], NAMES) is None

"""Comparisons across reports: one answer per report, side by side, and a verdict on which
is highest or lowest only when the figures are comparable.

Comparable means every report answered with a table cell of the same row label and the
same column header (folded), each a single figure in the same unit ("6,4 %", "1,8 %").
Sentences stating a figure may measure different things (a period average, a quarter, one
group of staff), so they are shown side by side without a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from search.query import fold

if TYPE_CHECKING:
    from indexer.models import Document
    from search.units import Unit

_HIGH = re.compile(r"\b(hogst|storst|mest|flest|basta|highest|largest|most)\b")
_LOW = re.compile(r"\b(lagst|minst|farst|samst|lowest|smallest|least|fewest)\b")
_FIGURE = re.compile(r"^([-+−–]?)\s*(\d{1,3}(?:[\s\u00a0]\d{3})*|\d+)(?:,(\d+))?\s*(%|\S*)$")


@dataclass(frozen=True)
class ComparisonRow:
    """One report's answer to a comparison: its best unit, or None when it gives none."""

    doc_id: str
    unit: Unit | None
    confidence: float


def place(doc: Document) -> str:
    """What a comparison calls a report: its municipality, else its title."""
    return doc.municipality or doc.title


def figure(text: str) -> tuple[float, str] | None:
    """'-1 234,5 tkr' → (-1234.5, 'tkr'); None when the text is not one figure."""
    m = _FIGURE.match(text.strip())
    if m is None:
        return None
    sign, whole, decimals, unit = m.groups()
    value = float(re.sub(r"\s", "", whole) + (f".{decimals}" if decimals else ""))
    return (-value if sign and sign != "+" else value), unit


def verdict(question: str, rows: Sequence[ComparisonRow], names: dict[str, str]) -> str | None:
    """'Högst: Timrå (6,4 %).' when the question asks for the highest (or lowest) and every
    report's answer is the same measure in the same unit; otherwise None."""
    folded = fold(question)
    want = "high" if _HIGH.search(folded) else "low" if _LOW.search(folded) else None
    answered = [r for r in rows if r.unit is not None]
    if want is None or len(answered) < 2 or len(answered) != len(rows):
        return None
    cells = [r.unit for r in answered if r.unit is not None and r.unit.kind == "cell"]
    if len(cells) != len(answered):
        return None
    if len({(fold(c.label), fold(c.column)) for c in cells}) != 1:
        return None
    figures = [figure(c.value) for c in cells]
    if any(f is None for f in figures) or len({f[1] for f in figures if f}) != 1:
        return None
    values = [f[0] for f in figures if f]
    pick = max if want == "high" else min
    best = pick(range(len(values)), key=lambda i: values[i])
    if values.count(values[best]) > 1:
        return None  # a tie is no verdict
    word = "Högst" if want == "high" else "Lägst"
    return f"{word}: {names[answered[best].doc_id]} ({cells[best].value})."


def missing(rows: Sequence[ComparisonRow], names: dict[str, str]) -> str | None:
    """'Ingen uppgift i rapporten från Krokom.' for the reports in scope without an answer."""
    absent = [names[r.doc_id] for r in rows if r.unit is None]
    if not absent:
        return None
    joined = absent[0] if len(absent) == 1 else f"{', '.join(absent[:-1])} och {absent[-1]}"
    return f"Ingen uppgift i {'rapporten' if len(absent) == 1 else 'rapporterna'} från {joined}."

"""Reading order of a PDF page's words: printed lines, two-column pages column by column.

A page may be two-column when a vertical gutter near its middle is crossed by (almost) no
word. Rows that cross it (a title over both columns, a table's header, a centred footer;
a title whose word space falls on the gutter crosses it too)
stand where they are and cut the page into bands; a band is read column by column when
its text fills a column up to the gutter (on one side or both: a column may be empty where
the text ran out). Every line gets a sort key (band top, column, top), so tables found on
the page can be put in the same order.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pdfplumber.utils import cluster_objects

# Words on one line may differ this much in `top` (pt): superscripts, mixed fonts.
LINE_TOLERANCE = 3.0
# The gutter is looked for in this middle band of the text's width.
GUTTER_BAND = (0.3, 0.7)
GUTTER_STEP = 2.0  # pt
# At most this share of a page's rows may cross the gutter (titles, centred footers), and
# the gutter is at least this wide (pt): word gaps of one-column text line up by chance
# over a few rows and a few points only.
GUTTER_MAX_CROSSING = 0.25
GUTTER_MIN_WIDTH = 6.0
# Positions crossed by at most this many rows more than the least-crossed one belong to the
# gutter: a centred page number and a table's cell edge cross it at different x.
GUTTER_NOISE_ROWS = 2
# Rows needed on a page to look for a gutter at all, and in a band on a side of the gutter
# to call that side a column.
MIN_PAGE_ROWS = 8
MIN_SIDE_ROWS = 2
# Column text reaches the gutter: the median left line ends within this share of the
# column's width from it (label/value forms and tables without rules do not).
COLUMN_FILL = 0.25
# ... and the right column's lines start at one x (within this many pt: Göteborg's
# justified columns start at 303.7 and 306.5; right-aligned figures of a table without
# rules differ by a digit, 5-6 pt), most of them at least, this many font sizes or more
# right of where the left column's longest line ends.
COLUMN_ALIGN = 3.0
COLUMN_GAP_RATIO = 1.0
# A gap between two words of a line wider than this many times the font size separates
# cells of a table set without rules ("Ökar        Ja"): the line is written with TABs.
CELL_GAP_RATIO = 2.0
# Words either side of the gutter closer than this many font sizes are one line across it
# (a large title "Göteborgs Stads årsredovisning" whose word space falls on the gutter);
# columns stand a font size or more apart.
SPAN_GAP_RATIO = 0.5

Word = dict[str, Any]
BBox = tuple[float, float, float, float]
SortKey = tuple[float, int, float]


@dataclass(frozen=True)
class Row:
    """The words of one printed line in reading order, its column (0: the full width,
    1: left, 2: right) and its sort key on the page."""

    words: list[Word]
    column: int
    key: SortKey


@dataclass(frozen=True)
class Layout:
    """A page's lines in reading order, its gutter (None: one column) and the two-column
    bands as (top, bottom) spans."""

    rows: list[Row]
    gutter: float | None
    bands: list[tuple[float, float]]

    def key_of(self, x0: float, top: float, x1: float) -> SortKey:
        """The sort key of a box (a table) on this page."""
        if self.gutter is not None:
            for band_top, band_bottom in self.bands:
                if band_top - LINE_TOLERANCE <= top <= band_bottom:
                    middle = (x0 + x1) / 2
                    if x1 <= self.gutter + LINE_TOLERANCE or x0 >= self.gutter - LINE_TOLERANCE:
                        return (band_top, 1 if middle < self.gutter else 2, top)
        return (top, 0, top)


def layout(words: list[Word], frames: Sequence[BBox] = ()) -> Layout:
    """The page's printed lines in reading order (see the module's docstring); `frames` are
    ruled boxes (tables) that cut the columns where they reach over the gutter."""
    rows = [sorted(r, key=lambda w: w["x0"]) for r in cluster_objects(words, "top", LINE_TOLERANCE)]
    gutter = _gutter(words, rows)
    if gutter is None:
        return Layout([Row(r, 0, (_top(r), 0, _top(r))) for r in rows], None, [])
    edges = (min(w["x0"] for w in words), max(w["x1"] for w in words))

    # Bands of rows that do not cross the gutter, between the rows that do (a band of one
    # crossing row each). A band with a column on one side only is read as a column when
    # another band of the page is two columns or a line of the other column stands beside.
    wide = [f for f in frames if f[0] < gutter < f[2]]
    pieces: list[tuple[bool, list[list[Word]]]] = []
    for r in rows:
        top = _top(r)
        crossing = (
            any(_crosses(w, gutter) for w in r)
            or _spans(r, gutter)
            or any(f[1] - LINE_TOLERANCE <= top <= f[3] for f in wide)
        )
        above = pieces[-1][1][-1] if pieces else None
        cut = above is not None and any(_top(above) < f[1] <= top for f in wide)
        if crossing or cut or not pieces or pieces[-1][0]:
            pieces.append((crossing, [r]))
        else:
            pieces[-1][1].append(r)
    kinds = [0 if crossing else _columns(band, gutter, edges) for crossing, band in pieces]
    two = 2 in kinds

    out: list[Row] = []
    bands: list[tuple[float, float]] = []
    for (_, band), kind in zip(pieces, kinds, strict=True):
        if kind == 0 or (kind == 1 and not (two or _beside(band, gutter))):
            out.extend(Row(r, 0, (_top(r), 0, _top(r))) for r in band)
            continue
        band_top = _top(band[0])
        bands.append((band_top, max(w["bottom"] for r in band for w in r)))
        for column in (1, 2):
            for r in band:
                side = [w for w in r if (w["x1"] <= gutter) == (column == 1)]
                if side:
                    out.append(Row(side, column, (band_top, column, _top(side))))
    return Layout(out, gutter if bands else None, bands)


def line_text(words: list[Word]) -> str:
    """A line's words joined by spaces, or by TABs across gaps as wide as a table's."""
    parts = [words[0]["text"]]
    for a, b in zip(words, words[1:], strict=False):
        gap = b["x0"] - a["x1"]
        parts.append("\t" if gap > CELL_GAP_RATIO * max(a["size"], b["size"]) else " ")
        parts.append(b["text"])
    return "".join(parts)


def _top(row: list[Word]) -> float:
    return float(min(w["top"] for w in row))


def _crosses(word: Word, x: float) -> bool:
    return bool(word["x0"] < x < word["x1"])


def _gutter(words: list[Word], rows: list[list[Word]]) -> float | None:
    """The x of a two-column page's gutter, or None for a one-column page."""
    if len(rows) < MIN_PAGE_ROWS:
        return None
    left = min(w["x0"] for w in words)
    right = max(w["x1"] for w in words)
    width = right - left
    lo, hi = left + GUTTER_BAND[0] * width, left + GUTTER_BAND[1] * width
    candidates: list[tuple[int, float]] = []
    x = lo
    while x <= hi:
        candidates.append((sum(any(_crosses(w, x) for w in r) for r in rows), x))
        x += GUTTER_STEP
    fewest = min(n for n, _ in candidates)
    if fewest > GUTTER_MAX_CROSSING * len(rows):
        return None
    # The middle of the widest run of least-crossed positions: the gutter's centre.
    best: list[float] = []
    run: list[float] = []
    for n, x in candidates:
        if n <= fewest + GUTTER_NOISE_ROWS:
            run.append(x)
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    if best[-1] - best[0] + GUTTER_STEP < GUTTER_MIN_WIDTH:
        return None
    # The least-crossed position nearest the run's middle (where one column is nearly empty
    # the run reaches far into it), then the middle of the white space there: between the
    # left text's usual right edge and the right text's usual left edge (quantiles, not the
    # extremes: a centred page number stands in the gutter and must cross it).
    middle = (best[0] + best[-1]) / 2
    least = min(n for n, x in candidates if best[0] <= x <= best[-1])
    x = min(
        (x for n, x in candidates if n == least and best[0] <= x <= best[-1]),
        key=lambda x: abs(x - middle),
    )
    sides = [_sides(r, x) for r in rows if not any(_crosses(w, x) for w in r)]
    lefts = sorted(ln[-1]["x1"] for ln, _ in sides if ln)
    starts = sorted(rn[0]["x0"] for _, rn in sides if rn)
    edge_left = lefts[-1 - (len(lefts) - 1) // 10] if lefts else x
    edge_right = starts[(len(starts) - 1) // 10] if starts else x
    return (edge_left + edge_right) / 2


def _columns(band: list[list[Word]], gutter: float, edges: tuple[float, float]) -> int:
    """How a band of rows that do not cross the gutter reads: 2 when both sides are columns
    of text, 1 when one side is and the other holds (almost) nothing, 0 when it is no
    column text.

    A column's lines fill it: the right column's start at one x and a quarter of them at
    least end near the right edge (a table without rules has short values there; a column
    of text has lists and headings too), and a left column alone ends near
    the gutter; the columns stand a gutter apart (the words of a one-column paragraph right
    of a chance gap stand a word space from those left of it)."""
    left, right = edges
    sides = [_sides(r, gutter) for r in band]
    lefts = [ln[-1]["x1"] for ln, _ in sides if ln]
    starts = [rn[0]["x0"] for _, rn in sides if rn]
    ends = [rn[-1]["x1"] for _, rn in sides if rn]
    left_fill = len(lefts) >= MIN_SIDE_ROWS and statistics.median(lefts) >= gutter - COLUMN_FILL * (
        gutter - left
    )
    # Low and high quantiles, not the extremes: a centred page number may stand in the gutter.
    start = sorted(starts)[(len(starts) - 1) // 10] if starts else right
    right_fill = (
        len(starts) >= MIN_SIDE_ROWS
        and sum(x >= right - COLUMN_FILL * (right - gutter) for x in ends) * 4 >= len(ends)
        # Most lines start at one x, wherever that is: justified columns indent some
        # lines by a few points, so not necessarily the low quantile's.
        and max(sum(abs(x - s) <= COLUMN_ALIGN for x in starts) for s in starts) * 2 >= len(starts)
    )
    if right_fill and lefts:
        # The left column may hold short lines (a title page, a list); the white space
        # between the columns says whether they are columns.
        gap = start - sorted(lefts)[-1 - (len(lefts) - 1) // 10]
        size = statistics.median(w["size"] for r in band for w in r)
        return 2 if gap >= COLUMN_GAP_RATIO * size else 0
    return 1 if right_fill or (left_fill and len(starts) < MIN_SIDE_ROWS) else 0


def _beside(band: list[list[Word]], gutter: float) -> bool:
    """Whether a row of the band has text on both sides a gutter apart (a right column's
    line beside a left column's)."""
    for r in band:
        ln, rn = _sides(r, gutter)
        if ln and rn and rn[0]["x0"] - ln[-1]["x1"] >= COLUMN_GAP_RATIO * ln[-1]["size"]:
            return True
    return False


def _spans(row: list[Word], gutter: float) -> bool:
    """Whether a row's words left and right of the gutter are one line: a word space apart,
    not a gutter."""
    ln, rn = _sides(row, gutter)
    return bool(ln and rn) and rn[0]["x0"] - ln[-1]["x1"] < SPAN_GAP_RATIO * max(
        ln[-1]["size"], rn[0]["size"]
    )


def _sides(row: list[Word], gutter: float) -> tuple[list[Word], list[Word]]:
    return [w for w in row if w["x1"] <= gutter], [w for w in row if w["x0"] >= gutter]

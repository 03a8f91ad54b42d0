"""Tables of a PDF page as TAB-separated rows: cells read from the page's words, a word the
printer broke at a narrow cell's edge joined again, a header printed over two rows made
one, and a table that goes on over a page break recognised as the same table.

pdfplumber finds a table's ruled cells; its own text extraction joins a cell's printed
lines with a space, which splits a word that did not fit the cell ("Budgetavvi" + "kelse",
"KOMMUNLEDNINGSKONTORE" + "T"). Here a line that fills its cell to the edge, ending in
the middle of a word, is joined to the next line without a space.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pdfplumber.utils import cluster_objects

from rapportsok.text import YEAR, cell_texts, is_figure, is_header_row

log = logging.getLogger(__name__)

# Pages with more vector objects than this are charts or maps; table finding is skipped.
MAX_TABLE_OBJECTS = 5000
# Words of one printed line of a cell may differ this much in `top` (pt).
LINE_TOLERANCE = 3.0
# A line ends at the cell's edge when the room left after it (less the cell's padding) is
# narrower than this many average characters of the next line's first word, plus slack
# (pt): a word broken there did not fit, a word wrapped at a space usually left more room.
EDGE_CHARS = 1.2
EDGE_SLACK = 0.5

Word = dict[str, Any]
BBox = tuple[float, float, float, float]
_SPACES = re.compile(r"\s+")


def find_tables(page: Any) -> list[Any]:
    """pdfplumber's ruled tables of a page, none on a chart or a map."""
    objects = page.objects
    vectors = sum(len(objects.get(kind, ())) for kind in ("line", "rect", "curve"))
    if vectors > MAX_TABLE_OBJECTS:
        log.debug("page %d: %d vector objects, table finding skipped", page.page_number, vectors)
        return []
    return list(page.find_tables())


def table_rows(table: Any, words: list[Word]) -> list[list[str | None]]:
    """The cell texts of a pdfplumber `table`, row by row, read from the page's `words`
    (each word belongs to the cell its centre lies in); None for a cell that the cell on
    its left spans."""
    cells: list[list[BBox | None]] = [list(row.cells) for row in table.rows]
    found: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        cx = (word["x0"] + word["x1"]) / 2
        cy = (word["top"] + word["bottom"]) / 2
        for r, row in enumerate(cells):
            for c, box in enumerate(row):
                if box is not None and box[0] <= cx <= box[2] and box[1] <= cy <= box[3]:
                    found.setdefault((r, c), []).append(word)
                    break
            else:
                continue
            break
    lines = {
        key: [sorted(line, key=lambda w: w["x0"]) for line in cluster_objects(ws, "top", 3.0)]
        for key, ws in found.items()
    }
    # The cells' inner padding: the smallest gap between a cell's left edge and its text.
    gaps = [
        line[0]["x0"] - box[0]
        for (r, c), ls in lines.items()
        if (box := cells[r][c]) is not None
        for line in ls
    ]
    padding = max(0.0, min(gaps)) if gaps else 0.0
    return [
        [
            None if box is None else _cell_text(lines.get((r, c), []), box[2] - padding)
            for c, box in enumerate(row)
        ]
        for r, row in enumerate(cells)
    ]


def _cell_text(lines: list[list[Word]], right: float) -> str:
    """A cell's printed lines as one text: joined by a space, or by nothing where a word
    was broken at the cell's inner right edge `right` (pt)."""
    text = ""
    previous: list[Word] | None = None
    for line in lines:
        piece = " ".join(w["text"] for w in line)
        if previous is not None and _broken(previous, line[0], right):
            text += piece
        else:
            text = f"{text} {piece}" if text else piece
        previous = line
    return _SPACES.sub(" ", text).strip()


def _broken(line: list[Word], nxt: Word, right: float) -> bool:
    """Whether the printer broke the one word on `line` at the cell's edge, going on in
    `nxt`: letters on both sides, in the same case, and no room left for another letter."""
    if len(line) != 1:
        return False  # a line of several words was wrapped at a space
    last, first = line[0]["text"][-1:], nxt["text"][:1]
    if not (last.isalpha() and first.isalpha() and last.islower() == first.islower()):
        return False
    char = (nxt["x1"] - nxt["x0"]) / max(1, len(nxt["text"]))
    return right - line[0]["x1"] < EDGE_CHARS * char + EDGE_SLACK


def render_table(rows: list[list[str | None]]) -> str | None:
    """TAB-separated rows, header row first; None for boxes that are not real tables.

    A header printed over two rows (group labels over the columns, each column's own label
    below) becomes one header row: "Utfall" spanning "2022" and "2023" gives "Utfall 2022"
    and "Utfall 2023"."""
    rows = [row for row in rows if any(row)]
    # A framed paragraph or a page border is found as a 1 x n "table"; keep it as text.
    if len(rows) < 2 or max(len(row) for row in rows) < 2:
        return None
    if len(rows) > 2 and _two_row_header(rows[0], rows[1]):
        labels: list[str] = []
        for cell in rows[0]:  # a spanned cell takes the label of the cell spanning it
            labels.append(labels[-1] if cell is None and labels else cell or "")
        rows = [[f"{a} {b or ''}".strip() for a, b in zip(labels, rows[1], strict=True)], *rows[2:]]
    return "\n".join("\t".join(cell or "" for cell in row) for row in rows)


def _two_row_header(first: list[str | None], second: list[str | None]) -> bool:
    """Whether two rows are one header printed over two rows: group labels, some spanning
    several columns ("Utfall", "Budget"), above the columns' own labels ("2022", "2023").
    The label column's heading stands in the first row only."""
    if len(first) != len(second) or not first[0] or second[0]:
        return False
    below = [c or "" for c in second[1:]]
    # Below every group label a label or a year, never a figure (that is a data row).
    return (
        None in first[1:]
        and is_header_row([c or "" for c in first])
        and all(below)
        and not any(is_figure(c) and not YEAR.fullmatch(c) for c in below)
    )


def continuation(header: str, table: str) -> str | None:
    """The rows of `table` (at the top of a page) that go on the table with the `header`
    row that ended the page before, without that header printed again; None when `table`
    is a table of its own (another number of columns, or another header row)."""
    rows = table.split("\n")
    if len({len(r.split("\t")) for r in (header, *rows)}) != 1:
        return None
    if rows[0] == header:
        return "\n".join(rows[1:])  # the header printed again on the new page
    if is_header_row(cell_texts(rows[0])):
        return None  # a new table's own header
    return table

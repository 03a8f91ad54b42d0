"""Answer units: the pieces of a passage an answer can be.

Sentences of prose (lines broken inside a sentence are one sentence; abbreviations such as
"enl." or "t.o.m." do not end one), list items, table rows, and table cells with their row
label and column header. A header row, a rule line, a photo credit or a lone heading is
never a unit. Every unit is a verbatim span of the passage's text (`start`, `end`); a cell
also names its cell's span and the header it stands under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from indexer.models import Chunk, Hit
from rapportsok.text import (
    CAPTION,
    LIST_ITEM,
    MD_HEADING,
    cell_texts,
    is_figure,
    is_header_row,
    is_rule_line,
    is_table_line,
    plain_cell,
    sentence_breaks,
    strip_span,
    table_cells,
)

UnitKind = Literal["sentence", "item", "row", "cell"]
# "Label: value", the value in a few words: a fact line, not a heading.
_LABELLED = re.compile(r"^[^:]{3,60}:\s+\S+(?:\s+\S+){0,5}$")
_MIN_SENTENCE_WORDS = 4  # shorter prose is a heading, a label or a signature line
# A one-line paragraph of at most this many words that does not end like a statement is a
# heading line, never a unit. Not the sections' heading rule, and need not be: the units see
# only lines the sections kept as text, so this decides only which lone lines answer nothing;
# a line ending ":", ")", a quote or "%" states a fact ("Sjukfrånvaro 5,2 %").
_MAX_HEADING_WORDS = 12
_SENTENCE_ENDS = (".", "!", "?", ":", ";", ")", '"', "”", "%")


@dataclass(frozen=True)
class Unit:
    """A verbatim span `hit.chunk.text[start:end]` that may answer a question.

    For a `cell`, `cell` is the cell's span, `label` the row's first cell and `column` the
    header cell above it; for a `row`, `header` is the table's header row (text or None).
    """

    hit: Hit
    start: int
    end: int
    kind: UnitKind
    label: str = ""
    column: str = ""
    header: str | None = None
    cell: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        """The unit's verbatim text (a sentence broken over lines keeps its line breaks)."""
        return self.hit.chunk.text[self.start : self.end]

    @property
    def value(self) -> str:
        """A cell's content; the whole text for other units."""
        if self.cell is None:
            return self.text
        return plain_cell(self.hit.chunk.text[self.cell[0] : self.cell[1]])

    @property
    def title(self) -> str:
        """A table unit's title: the first cell of its header row ("Gemensam
        administration", "(tkr)"), or "" when it has no header or the cell is empty."""
        return _cells(self.header)[0] if self.header else ""

    def answer_text(self) -> str:
        """What the answer says: a cell with its row label and column header
        ("Sjukfrånvaro samtliga kommunanställda, 2021 jan-juni: 6,4 %"), a row with every
        column header, a sentence as it stands. Every word is the report's own."""
        if self.kind == "cell":
            return f"{self.label}, {self.column}: {self.value}"
        if self.kind == "row":
            cells = _cells(self.hit.chunk.text[self.start : self.end])
            heads = _cells(self.header) if self.header else ()
            if len(heads) == len(cells) and len(cells) > 1:
                pairs = [f"{h}: {c}" for h, c in zip(heads[1:], cells[1:], strict=True) if c]
                return f"{cells[0]}: {', '.join(pairs)}" if pairs else cells[0]
            return " | ".join(c for c in cells if c)
        return " ".join(plain_cell(self.text).split())  # bold markers are no words

    def quote(self) -> str:
        """The citation's quote, verbatim: the unit, and for a table unit its header row on
        the line above, so a reader can check which column a figure stands in."""
        if self.kind in ("row", "cell") and self.header:
            return f"{self.header}\n{self.text}"
        return self.text


@lru_cache(maxsize=8192)
def _cells(row: str) -> tuple[str, ...]:
    """`cell_texts`, remembered: a header row is read for each of its units."""
    return tuple(cell_texts(row))


def answer_texts(chosen: list[Unit]) -> list[str]:
    """What the answer says for each unit. Two table units that would read alike
    ("Verksamhetsnetto: Budget 2019: …" from two tables of one report) are prefixed with
    their table's title, the first cell of its header row ("Gemensam administration");
    units of different reports are told apart by the report's name already."""
    texts = [u.answer_text() for u in chosen]
    keys = [(u.hit.chunk.doc_id, u.label) for u in chosen if u.kind in ("row", "cell")]
    for i, u in enumerate(chosen):
        title = u.title
        if title and u.kind in ("row", "cell") and keys.count((u.hit.chunk.doc_id, u.label)) > 1:
            texts[i] = f"{title} – {texts[i]}"
    return texts


def units(hit: Hit) -> list[Unit]:
    """Every answer unit of a passage, in text order."""
    return [replace(u, hit=hit) for u in _units_of(hit.chunk)]


@lru_cache(maxsize=4096)
def _units_of(chunk: Chunk) -> tuple[Unit, ...]:
    """A passage's units (for a placeholder hit): they depend on its text alone, and /search
    and /ask read the same top passages again and again."""
    return tuple(_split(Hit(chunk, 0.0, 0)))


def _split(hit: Hit) -> list[Unit]:
    text = hit.chunk.text
    out: list[Unit] = []
    header: str | None = hit.chunk.table_header
    para: list[tuple[int, int]] = []

    def flush() -> None:
        if para:
            out.extend(_sentences(hit, para[0][0], para[-1][1]))
            para.clear()

    pos = 0
    in_table = False
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        stripped = line.strip()
        if is_table_line(line):
            flush()
            if is_rule_line(line):
                continue
            cells = cell_texts(line)
            labels = sum(bool(c) for c in cells)
            if not in_table and is_header_row(cells):
                header = line
            elif labels >= 2 and is_header_row(cells) and not any(is_figure(c) for c in cells[1:]):
                header = line  # a new header row inside the passage
            elif labels >= 2:
                out.extend(_table_units(hit, s, e, header))
            # else a lone label inside a table ("Medborgarundersökning"): names no column
            in_table = True
            continue
        if in_table:
            in_table = False
            header = None  # a header belongs to its own table only
        if not stripped or CAPTION.match(line) or MD_HEADING.match(line):
            flush()
            continue
        if LIST_ITEM.match(line):
            flush()
        para.append((s, e))
    flush()
    return out


def _sentences(hit: Hit, start: int, end: int) -> list[Unit]:
    text = hit.chunk.text
    kind: UnitKind = "item" if LIST_ITEM.match(text[start:end]) else "sentence"
    line = text[start:end].strip()
    if kind == "sentence" and "\n" not in line and _is_heading_line(line):
        return []
    spans, cut = [], start
    for m in sentence_breaks(text, start, end):
        spans.append((cut, m.start()))
        cut = m.end()
    spans.append((cut, end))
    out = []
    for s, e in spans:
        s, e = strip_span(text, s, e)
        words = text[s:e].split()
        if len(words) < _MIN_SENTENCE_WORDS and not (kind == "item" and len(words) >= 2):
            continue
        out.append(Unit(hit, s, e, kind))
    return out


def _is_heading_line(line: str) -> bool:
    """A paragraph of one short line without a sentence's final punctuation is a heading
    ("Bra saker som vi fortsätter med"), however many words it has."""
    if _LABELLED.match(line):
        return False  # "Nämndens ordförande: Stefan Dalin" states a fact
    return len(line.split()) <= _MAX_HEADING_WORDS and not line.endswith(_SENTENCE_ENDS)


def _table_units(hit: Hit, start: int, end: int, header: str | None) -> list[Unit]:
    """A data row, and each of its filled cells (after the label) under its header."""
    text = hit.chunk.text
    cells = table_cells(text, start, end)
    if not cells or not any(text[s:e].strip() for s, e in cells):
        return []
    label = plain_cell(text[cells[0][0] : cells[0][1]])
    out = [Unit(hit, start, end, "row", label=label, header=header)]
    heads = cell_texts(header) if header else []
    if len(heads) != len(cells) or not label:
        return out
    for i, (s, e) in enumerate(cells[1:], start=1):
        if plain_cell(text[s:e]) and heads[i]:
            out.append(Unit(hit, start, end, "cell", label, heads[i], header, (s, e)))
    return out

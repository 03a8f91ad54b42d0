"""The rules of report text, in one place: what a table line, a table rule, a header row, a
figure, a photo credit, a year and a sentence end are.

The indexer (sections, chunker), the search core (the answer reader) and the UI (drawing
tables) all use these, so the UI draws a table exactly as the indexer split it and a quote
ends where the chunker would end a sentence. A rule copied is a rule that will disagree.
Pure functions over strings and offsets; imports nothing of ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

# HTML-ish tags left by converters ("<b>", "</td>").
TAG = re.compile(r"</?[a-zA-Z]+[^>]*>")
# Bold markers in table cells and headings, as converters write them.
BOLD = re.compile(r"</?b>|\*\*", re.IGNORECASE)
# "| Mått | 2019 |": a Markdown table row.
PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# "|---|:--:|" or "-----": the rule under a Markdown table's header (never content).
PIPE_RULE = re.compile(r"^\s*\|?[\s:|-]*-{2,}[\s:|-]*$")
# "Foto: Anna Svensson": photo credits and captions (never body text or an answer).
CAPTION = re.compile(r"^\s*(foto|bild|illustration)\s*:", re.IGNORECASE)
# A year of the reports' era, not part of a longer number ("2021", not "120215").
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# A cell that is only a figure: "5,2 %", "-1 234", "(12,5)", "+300".
_FIGURE = re.compile(r"[-+−–\s\d,.%()]+")

# Abbreviations after which a full stop does not end a Swedish sentence ("enl. Svenskt
# Näringsliv", "ca. 1,1 miljoner", "t.o.m. augusti"); compared lower-cased, with the dot.
ABBREVIATIONS = frozenset(
    """t.ex. bl.a. enl. ca. kr. milj. mnkr. mdkr. tkr. inkl. exkl. resp. s.k. fr.o.m. t.o.m.
    st. nr. jan. feb. febr. mar. apr. jun. jul. aug. sep. sept. okt. nov. dec. m.m. o.s.v.
    osv. dvs. d.v.s. p.g.a. pga. ev. jfr. kap. tel. prel. proc. ang. avd. forts. max. min.
    mån. ff. f.d. fig. tab. o.dyl. bl.a m.fl. e.d. mfl. nämnd. ca""".split()
)
# A candidate sentence end: . ! ? (or a closing quote after one), then space, then what can
# start a sentence. Whether it really ends one is `_ends_sentence`'s call.
_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-ZÅÄÖ0-9\"”“(–-])")
_LAST_WORD = re.compile(r"(\S+)$")


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) narrowed to leave out surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def is_table_line(line: str) -> bool:
    """A row of a table: '| a | b |', or TAB-separated cells with a label or two values."""
    if PIPE_ROW.match(line):
        return True
    cells = line.split("\t")
    return len(cells) >= 2 and bool(cells[0].strip() or sum(bool(c.strip()) for c in cells) >= 2)


def is_rule_line(line: str) -> bool:
    """A table's rule line ('|---|---|'), which carries no content."""
    return bool(PIPE_RULE.match(line))


def table_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Offsets of the cells of one table row in `text[start:end]` (TAB-separated, or
    '| a | b |'), each stripped of surrounding whitespace."""
    if "\t" not in text[start:end]:
        s, e = strip_span(text, start, end)
        start, end = s + (text[s : s + 1] == "|"), e - (e > s + 1 and text[e - 1] == "|")
        sep = "|"
    else:
        sep = "\t"
    cells, pos = [], start
    while True:
        cut = text.find(sep, pos, end)
        if cut < 0:
            cells.append(strip_span(text, pos, end))
            return cells
        cells.append(strip_span(text, pos, cut))
        pos = cut + 1


def cell_texts(row: str) -> list[str]:
    """The cells of one table row as plain strings (bold markers and tags dropped)."""
    return [plain_cell(row[s:e]) for s, e in table_cells(row, 0, len(row))]


def plain_cell(cell: str) -> str:
    """A cell without bold markers or tags."""
    return TAG.sub("", BOLD.sub("", cell)).strip()


def is_figure(cell: str) -> bool:
    """A cell that holds only a figure ('5,2 %', '-1 234'); years count too (see below)."""
    return bool(cell) and bool(_FIGURE.fullmatch(cell)) and any(ch.isdigit() for ch in cell)


def is_header_row(cells: Sequence[str]) -> bool:
    """A row of labels ('Mått', '2019', 'Budget period') rather than of figures.

    Years label columns, so they are not figures here; a row whose first cell is a figure
    is data (a year-by-year table's rows start with the year)."""
    filled = [c for c in (plain_cell(c) for c in cells) if c and not set(c) <= set("-:")]
    figures = sum(is_figure(c) and not YEAR.fullmatch(c) for c in filled)
    return bool(filled) and figures < len(filled) / 2 and not is_figure(filled[0])


def columns(row: str) -> int:
    """How many cells a table row has."""
    return len(table_cells(row, 0, len(row)))


def _ends_sentence(text: str, dot: int) -> bool:
    """Whether the '.', '!' or '?' at `dot` ends a sentence (not 'bl.a.', 'ca.', '3.')."""
    if text[dot] != ".":
        return True
    word = _LAST_WORD.search(text, max(0, dot - 20), dot + 1)
    if word is None:
        return True
    token = word.group(1).lstrip('("“').lower()
    if token in ABBREVIATIONS:
        return False
    # "t.o.m." written with its inner dots only in part ("t.o.m" + ".") and single letters
    # ("A. Svensson") are not sentence ends either.
    return not (len(token) <= 2 and token[:-1].isalpha())


def sentence_breaks(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """The gaps between sentences in `text[start:end]`: each match spans the whitespace
    after a sentence's final '.', '!' or '?', abbreviations excepted."""
    end = len(text) if end is None else end
    for m in _END.finditer(text, start, end):
        dot = m.start() - 1
        while dot > start and text[dot] in '"”’)':
            dot -= 1
        if _ends_sentence(text, dot):
            yield m

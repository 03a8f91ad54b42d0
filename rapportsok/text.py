"""The rules of report text, in one place: what a table line, a table rule, a header row, a
figure, a photo credit, a year, a sentence end, a list item and a Markdown heading are.

The indexer (sections, chunker), the search core (the answer reader) and the UI (drawing
tables) all use these, so the UI draws a table exactly as the indexer split it and a quote
ends where the chunker would end a sentence. A rule copied is a rule that will disagree.
Pure functions over strings and offsets; imports nothing of ours.
"""

from __future__ import annotations

import re
import unicodedata
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
# The whole line of a caption, wherever it stands in a text (for taking captions out of it).
CAPTION_LINE = re.compile(CAPTION.pattern + r".*$", re.IGNORECASE | re.MULTILINE)
# A year of the reports' era, not part of a longer number ("2021", not "120215").
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# A cell that is only a figure: "5,2 %", "-1 234", "(12,5)", "+300".
_FIGURE = re.compile(r"[-+−–\s\d,.%()]+")
# The figure a data cell begins with ("25,5 % (sep-aug)", "-8 706", "0 (aug)").
_LEADING_FIGURE = re.compile(r"[-+−–]?\(?\d[\d\s]*(?:[,.]\d+)?(?=\s*(?:%|\(|$|[a-zåäö]))")
_MAX_LABEL_WORDS = 6  # a column label is a few words; a longer cell is a row's text

# Abbreviations after which a full stop does not end a Swedish sentence ("enl. Svenskt
# Näringsliv", "ca. 1,1 miljoner", "t.o.m. augusti"); compared lower-cased, with the dot.
ABBREVIATIONS = frozenset(
    """t.ex. bl.a. enl. ca. kr. milj. mnkr. mdkr. tkr. inkl. exkl. resp. s.k. fr.o.m. t.o.m.
    st. nr. jan. feb. febr. mar. apr. jun. jul. aug. sep. sept. okt. nov. dec. m.m. o.s.v.
    osv. dvs. d.v.s. p.g.a. pga. ev. jfr. kap. tel. prel. proc. ang. avd. forts. max. min.
    mån. ff. f.d. fig. tab. o.dyl. bl.a m.fl. e.d. mfl. nämnd. ca plac. kl. dnr. ordf. tf.
    uppl.""".split()
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
    """A row of labels ('Mått', '2019', 'Budget period') rather than of data.

    Years label columns, so they are not data here; a row whose first cell is a figure is
    data (a year-by-year table's rows start with the year). A cell that begins with a
    figure ("25,5 % (sep-aug)", "0 (aug)"), a status word ("Klar", "Delvis") or a sentence
    (a long cell, or one ending with a full stop) is data, as no column label reads so."""
    filled = [c for c in (plain_cell(c) for c in cells) if c and not set(c) <= set("-:")]
    data = sum(_is_data_cell(c) for c in filled)
    return bool(filled) and data < len(filled) / 2 and not is_figure(filled[0])


def _is_data_cell(cell: str) -> bool:
    lead = _LEADING_FIGURE.match(cell)
    if lead and not YEAR.fullmatch(lead.group(0).strip()):
        return True
    return (
        cell.lower() in STATUS_WORDS
        or len(cell.split()) > _MAX_LABEL_WORDS
        or (cell.endswith(".") and len(cell.split()) > 1)
    )


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


# --- printed lines and headings ---------------------------------------------------------

# Words after which a line-end hyphen is a real one: "kommun- och landstingsfrågor" writes
# the shared last part once ("kommun- och landstingsfrågor"), so the hyphen and space stay.
_HYPHEN_KEEP_NEXT = frozenset("och eller samt respektive resp. som till men".split())
SOFT_HYPHEN = "\u00ad"
# A line ending in one of these goes on on the next line: it is no heading by itself.
DANGLING_WORDS = frozenset(
    "och att för i av med samt till på om som eller men den det de en ett "
    "från mot vid hos genom inom enligt mellan".split()
)
# A bullet or a numbered item opening a line: "▪ Text", "• Text", "– Text", "2) Text", "2. Text".
# A numbered line is an item, never a heading, to every reader: alone, "2. Bakgrund" reads
# like "2. Kännbar samhällsstörning" (an item of a scale), and a list read as headings becomes
# one-line sections. "2.1 Bakgrund" and "Mål 2. …" stay headings; "2021. Därefter" is no item.
LIST_ITEM = re.compile(r"^\s*(?:[-•*–▪●◦]|\d{1,2}[.)])\s+")
# A Markdown heading line, "## Rubrik" (group 1 the marks, group 2 the title, which may be
# empty; closing marks "## Rubrik ##" dropped). The marks start the line: an indented "#" is
# text, as the sections read it. Match one line at a time: `\s` would cross line ends.
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Numbered or prefixed heading families: "Mål 3. …", "Inriktningsmål 2: …", "Uppdrag: …".
HEADING_FAMILY = re.compile(
    r"^(Mål|Målbild|Inriktningsmål|Uppdrag|Processområde|Bilaga|Kapitel|Avsnitt)\b[\s\d.:–-]",
)
# Status words that answer a follow-up table's row ("Ja", "Delvis", "Sämre"): a cell.
STATUS_WORDS = frozenset(
    "ja nej delvis pågår klar klart bra bättre sämre oförändrad försenat ej påbörjad".split()
)
# "Förvaltningschef: Anna Svensson", "E-post: …", "Dnr: KS 2021/12": a label and its value,
# never a section. The labels are the fields of a Swedish report's title page and signature.
_ROLE_LABEL = re.compile(
    r"^\s*(?:[\w-]*(?:chef|ordförande|ansvarig|handläggare|direktör|sekreterare|kontakt)"
    r"|kontaktperson|telefon|tel|e-post|epost|mejl|datum|dnr|diarienummer|författare|ort"
    r"|beslutad|fastställd|antagen|adress|webbplats|version)\s*:",
    re.IGNORECASE,
)
# After "Label:", a person's name: two or three capitalised words and nothing else.
_NAME_VALUE = re.compile(r"^[^:]{1,40}:\s*(?:[A-ZÅÄÖ][\w'-]+\s*){2,3}$")


def join_printed_lines(first: str, second: str) -> str:
    """Two printed lines of one paragraph as one line of text.

    A hyphen at the line end is soft ("kommun-" + "styrelsen" → "kommunstyrelsen") after a
    lower-case word of two letters or more when the next line goes on in lower case; it
    stays in "IT-" + "enheten", "E4-" + "an", "e-" + "tjänster" (joined without a space)
    and in "kommun-" + "och landsting" (a space: the shared last part is written once).
    Any other break becomes one space.
    """
    if first.endswith(SOFT_HYPHEN):
        return first[:-1] + second
    if not first.endswith(("-", "‐")) or first.endswith((" -", "--")):
        return f"{first} {second}"
    head = _LAST_WORD.search(first[:-1])
    word = head.group(1) if head else ""
    next_word = second.split(maxsplit=1)[0].lower() if second.split() else ""
    if next_word in _HYPHEN_KEEP_NEXT:
        return f"{first} {second}"
    letters = word[-2:]
    soft = len(letters) == 2 and letters.isalpha() and letters.islower() and second[:1].islower()
    return (first[:-1] if soft else first) + second


def ends_sentence(text: str) -> bool:
    """Whether `text` ends a sentence: '.', '!' or '?' (a closing quote after one), not an
    abbreviation ('bl.a.', 'ca.') and not a number's dot ('Mål 3.')."""
    stripped = text.rstrip().rstrip('"”’)')
    if not stripped or stripped[-1] not in ".!?":
        return False
    if stripped[-1] == "." and re.search(r"(?:^|\s)\d+(?:\.\d+)*\.$", stripped):
        return False
    return _ends_sentence(stripped, len(stripped) - 1)


def is_heading_text(text: str) -> bool:
    """Whether a line may be a section heading at all, whatever its font: never a photo
    credit, a "Namn: värde" role line, a lone status cell ("Delvis"), a list item, a table
    row or a sentence ending with a full stop."""
    stripped = text.strip()
    if not stripped or CAPTION.match(stripped) or "\t" in stripped or LIST_ITEM.match(stripped):
        return False
    if _ROLE_LABEL.match(stripped) or _NAME_VALUE.match(stripped):
        return False
    last = stripped.split()[-1].lower()
    if stripped.lower().rstrip(".") in STATUS_WORDS or last in STATUS_WORDS:
        return False
    if last in DANGLING_WORDS or stripped.endswith((",", "-")):
        return False  # the first printed line of a wrapped heading or sentence
    return not (stripped.endswith(".") and ends_sentence(stripped))


def goes_on(text: str) -> bool:
    """Whether a line or paragraph starts in lower case: it goes on with the words before
    it (a wrapped heading's next line, a paragraph over a page break)."""
    return text[:1].islower()


def fold_whitespace(text: str) -> str:
    """Collapse every run of whitespace (tabs, newlines, NBSP) to one space and strip."""
    return " ".join(text.split())


def fold_cells(text: str) -> str:
    """`fold_whitespace` with table cell separators folded too: a row is the same row
    whether a converter wrote it "| a | b |" or a PDF's table "a<TAB>b" (the evidence
    strings quote the .txt reports, whose tables are partly Markdown)."""
    return fold_whitespace(text.replace("|", " "))


_WORD = re.compile(r"[^\W\d_]{2,}")


def has_word(text: str) -> bool:
    """Whether `text` holds a word (two letters or more): "-", "2024-04-03" and "§ 71"
    do not, and a passage of them is noise, no passage."""
    return _WORD.search(text) is not None


def is_control(text: str) -> bool:
    """Whether a text is control codes only (Unicode's Cc, but TAB and newline): no letter
    of a report, though PDFs draw leaders and rules with them ("\\x08")."""
    return bool(text) and all(c not in "\t\n" and unicodedata.category(c) == "Cc" for c in text)

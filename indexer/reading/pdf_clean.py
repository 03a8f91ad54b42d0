"""Clean a PDF page's text before and after its lines are laid out.

Before: characters that are no running text are dropped by how and where they are
printed, never by what they say: text that is not set left to right on a horizontal line
(a photo credit or a signature reference printed up the margin, an axis title), text
outside the page's trim box (crop marks, the printer's slug), the tick labels of a chart's
axis (a stack of numbers evenly spaced down the page, falling by one step each) and line
numbers (a stack of integers in the margin, rising by one each line).

After: a word hyphenated at a printed line's end is joined when the Swedish lexicon knows
the joined word ("Be-" + "slutet" → "Beslutet", "revisions-" + "kontoret" on lines of
their own → "revisionskontoret"), while real hyphens stay: "bygg- och miljönämnden",
"2021-2023", "IT-enheten", "e-post", "Göteborgs-" + "regionen" on lines of their own (no
one word in the lexicon). `rapportsok.text.join_printed_lines` keeps its rules of the
printed line (a hyphen after two lower-case letters is soft when the line ran out of room:
"Kommunlednings-" + "kontoret", also "Göteborgs-" + "regionen"); the lexicon is asked
only where they keep a hyphen.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pdfplumber.utils import cluster_objects

from rapportsok.errors import MissingDictionaryError
from rapportsok.text import SOFT_HYPHEN, join_printed_lines

if TYPE_CHECKING:
    from indexer.language.analyzer import SwedishAnalyzer

Word = dict[str, Any]

# A character is set on a horizontal line when its text matrix turns it by at most this
# share (|b| / a, about 3 degrees); italics shear by c, which does not count.
HORIZONTAL_SKEW = 0.05
# A chart's axis: at least this many tick labels, one above the other at one x (pt) ...
AXIS_MIN_TICKS = 3
AXIS_ALIGN = 1.5
# ... and one step apart on the page (pt, or this share of the step).
AXIS_SPACING = 1.0
AXIS_SPACING_SHARE = 0.1
# Line numbers: at least this many, in the margin beside every other word of the page.
LINE_NUMBERS_MIN = 5

_TICK = re.compile(r"[-−–]?\d+(?:[.,]\d+)?%?")
_HYPHENS = ("-", "‐")
_LETTERS = re.compile(r"[^\W\d_]+")
_LAST_LETTERS = re.compile(r"[^\W\d_]+$")

# A web address or e-mail address: its hyphens are its own.
_ADDRESS = re.compile(r"(?:/|@|www\.)\S*$")

_JOINED: ContextVar[list[Joined] | None] = ContextVar("joined", default=None)


def horizontal(char: dict[str, Any]) -> bool:
    """Whether a pdfplumber character is set left to right on a horizontal line."""
    a, b = float(char["matrix"][0]), float(char["matrix"][1])
    return a > 0 and abs(b) <= HORIZONTAL_SKEW * a


def trim_box(page: Any) -> tuple[float, float, float, float] | None:
    """The page's trim box in pdfplumber's coordinates (x0, top, x1, bottom), when it is
    smaller than the page: what lies outside is cut off after printing."""
    box = page.page_obj.attrs.get("TrimBox")
    if box is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in (box.resolve() if hasattr(box, "resolve") else box))
    except (TypeError, ValueError):
        return None
    px0, ptop, px1, pbottom = (float(v) for v in page.bbox)
    height = float(page.mediabox[3]) - float(page.mediabox[1])
    top, bottom = height - max(y0, y1), height - min(y0, y1)
    inside = (max(min(x0, x1), px0), max(top, ptop), min(max(x0, x1), px1), min(bottom, pbottom))
    if inside == (px0, ptop, px1, pbottom) or inside[0] >= inside[2] or inside[1] >= inside[3]:
        return None
    return inside


def drop_figure_labels(words: list[Word]) -> list[Word]:
    """`words` without a chart axis's tick labels and without line numbers (see the
    module's docstring)."""
    numbers = [w for w in words if _TICK.fullmatch(w["text"])]
    if len(numbers) < AXIS_MIN_TICKS:
        return words
    dropped: set[int] = set()
    for edge in ("x1", "x0"):
        for stack in cluster_objects(numbers, edge, AXIS_ALIGN):
            for run in _even_runs(sorted(stack, key=lambda w: w["top"])):
                if _is_axis(run) or _is_line_numbers(run, words):
                    dropped.update(id(w) for w in run)
    return [w for w in words if id(w) not in dropped] if dropped else words


def _value(word: Word) -> float:
    text = word["text"].rstrip("%").replace(",", ".").replace("−", "-").replace("–", "-")
    return float(text)


def _even_runs(stack: list[Word]) -> Iterator[list[Word]]:
    """The longest runs of `stack` (sorted top down) whose values change by one step and
    whose lines stand one distance apart."""
    run: list[Word] = []
    for word in stack:
        if len(run) >= 2 and not _goes_on(run, word):
            if len(run) >= AXIS_MIN_TICKS:
                yield run
            run = run[-1:]
        if len(run) == 1 and (
            word["top"] - run[0]["top"] <= AXIS_SPACING or _value(word) == _value(run[0])
        ):
            run = []  # two numbers on one line, or the same number twice: no step
        run.append(word)
    if len(run) >= AXIS_MIN_TICKS:
        yield run


def _goes_on(run: list[Word], word: Word) -> bool:
    step = _value(run[1]) - _value(run[0])
    gap = run[1]["top"] - run[0]["top"]
    return abs(_value(word) - _value(run[-1]) - step) < 1e-9 and abs(
        word["top"] - run[-1]["top"] - gap
    ) <= max(AXIS_SPACING, AXIS_SPACING_SHARE * gap)


def _is_axis(run: list[Word]) -> bool:
    """Tick labels: the values fall down the page (a table's years and a list's numbers
    rise)."""
    return len(run) >= AXIS_MIN_TICKS and _value(run[1]) < _value(run[0])


def _is_line_numbers(run: list[Word], words: list[Word]) -> bool:
    """Integers rising by one, in the margin: every other word of their lines stands right
    of all of them (or left of all of them)."""
    if len(run) < LINE_NUMBERS_MIN or _value(run[1]) - _value(run[0]) != 1:
        return False
    if not all(w["text"].isdigit() for w in run):
        return False
    ids = {id(w) for w in run}
    others = [w for w in words if id(w) not in ids]
    if not others:
        return False
    left, right = max(w["x1"] for w in run), min(w["x0"] for w in run)
    return min(w["x0"] for w in others) > left or max(w["x1"] for w in others) < right


# --- words hyphenated at a line end -----------------------------------------------------


class Joined(NamedTuple):
    """A word joined over a line end, and how: "soft" (a soft hyphen, U+00AD, dropped),
    "printed" (`join_printed_lines` took the hyphen off a lower-case word) or "lexicon"
    (the lexicon knows the joined word)."""

    word: str
    how: Literal["soft", "printed", "lexicon"]


@contextmanager
def counting_joins() -> Iterator[list[Joined]]:
    """Collect the words joined over a line-end hyphen while the block runs (also those
    of a `counting_joins` inside it)."""
    outer = _JOINED.get()
    joined: list[Joined] = []
    token = _JOINED.set(joined)
    try:
        yield joined
    finally:
        _JOINED.reset(token)
        if outer is not None:
            outer.extend(joined)


def join_lines(first: str, second: str, count: bool = True) -> str:
    """Two printed lines of one paragraph as one line of text: `join_printed_lines`, and a
    word it leaves hyphenated ("Be-" + "slutet") joined when the lexicon knows the joined
    word; a web address broken at its hyphen keeps it. `count`: record the words joined
    (not while a heading's lines are tried out)."""
    joined = join_printed_lines(first, second)
    if first.endswith(SOFT_HYPHEN):
        if count:
            _record(first[:-1], second, "soft")
        return joined
    if not first.endswith(_HYPHENS) or joined == f"{first} {second}":
        return joined
    if _ADDRESS.search(first):
        return first + second
    if joined == first + second and _joins(first[:-1], second):
        if count:
            _record(first[:-1], second, "lexicon")
        return first[:-1] + second
    if count and joined == first[:-1] + second:
        _record(first[:-1], second, "printed")
    return joined


def join_kept_line(block: str, line: str) -> str:
    """`line` after `block` on a line of its own, unless `block` ends in a word hyphenated
    at the line end that the lexicon knows joined ("be-" + "hov ..." → "behov ...")."""
    if (
        block.endswith(_HYPHENS)
        and not _ADDRESS.search(block)
        and join_printed_lines(block, line) != f"{block} {line}"
        and _joins(block[:-1], line)
    ):
        _record(block[:-1], line, "lexicon")
        return block[:-1] + line
    return f"{block}\n{line}"


def _joins(first: str, second: str) -> bool:
    """Whether the word that `first` ends in (its hyphen taken off) and the one `second`
    starts with are one word: the joined word is known, and the two are no compound
    written with a hyphen ("IT-enheten", "e-post", "Uppsala-Borlänge", "2021-2023")."""
    head = _LAST_LETTERS.search(first)
    tail = _LETTERS.match(second)
    if head is None or tail is None or head.end() != len(first):
        return False
    start, end = head.group(), tail.group()
    if tail.end() < len(second) and second[tail.end()].isdigit():
        return False
    if not end[0].islower() or (len(start) > 1 and start.isupper()):
        return False
    if first[: head.start()][-1:].isdigit():
        return False
    analyzer = _analyzer()
    if analyzer is None:
        return False
    if len(start) == 1 and analyzer.is_word(end):
        return False  # "e-" + "post": a letter and a word
    # A capitalised first part may be a name ("Göteborgs-" + "regionen"): the joined word
    # must be known as it is, not only as a compound of the word list's parts.
    return analyzer.is_word((start + end).lower(), compounds=start[0].islower())


def _record(first: str, second: str, how: Literal["soft", "printed", "lexicon"]) -> None:
    joined = _JOINED.get()
    if joined is None:
        return
    head = _LAST_LETTERS.search(first)
    tail = _LETTERS.match(second)
    joined.append(Joined((head.group() if head else "") + (tail.group() if tail else ""), how))


@functools.cache
def _analyzer() -> SwedishAnalyzer | None:
    """The Swedish lexicon, or None without its word list (hyphens then stay)."""
    from indexer.language.analyzer import get_analyzer

    try:
        return get_analyzer()
    except MissingDictionaryError:
        return None

"""The chunker, the sections and the answer units read a line of a report alike: one table of
example lines, each read by all three through their public functions.

A line stands alone between two paragraphs of a plain-text report, after an introduction
ending with a colon. What each says of it:
- sections (`find_blocks`): "heading", "table" or "text" (the sections know no items);
- chunker (`chunk_document`): "heading" (the next passage stands under it), "table" (a table
  passage), "item" (kept in one passage with its introduction) or "sentence" (a passage of
  its own);
- answer units (`units`): "heading" (no unit: a heading is never an answer), "table" (a row),
  "item" or "sentence".
"""

from __future__ import annotations

import pytest

from indexer.models import Chunk, Document, Hit, Source
from indexer.reading.chunker import ChunkerConfig, chunk_document
from indexer.reading.sections import find_blocks
from rapportsok.text import LIST_ITEM, MD_HEADING
from search.units import units

_DOC = Document(id="d", path="d.txt", sha256="0", title="Delårsrapport")
_BODY = (
    "Nämnden följer upp verksamheten varje månad och rapporterar resultatet till "
    "kommunstyrelsen, som beslutar om åtgärder när kostnaderna avviker från budgeten."
)
_INTRO = "Nämnden föreslår följande:"
# Every paragraph a passage of its own unless glued (an introduction and its list).
_ONE_EACH = ChunkerConfig(target_chars=1, max_chars=10_000, small_table_chars=0)

LINES = [
    # Bullets: items to all three ("▪" was a sentence to the answer units, and could be a
    # heading to the sections).
    ("▪ Ökad budget för äldreomsorgen", "item"),
    ("● Ökad budget för äldreomsorgen", "item"),
    ("• Ökad budget för äldreomsorgen", "item"),
    ("– Ökad budget för äldreomsorgen", "item"),
    ("- Ökad budget för äldreomsorgen", "item"),
    ("* Ökad budget för äldreomsorgen", "item"),
    # Numbered lines are items, never numbered headings ("2. Text" could be a heading to
    # the sections): see LIST_ITEM.
    ("2. Ökad budget för äldreomsorgen", "item"),
    ("2) Ökad budget för äldreomsorgen", "item"),
    ("12. Ökad budget för äldreomsorgen", "item"),
    # A year opening a wrapped line is no item number.
    ("2021. Därefter ökade kostnaderna för äldreomsorgen.", "sentence"),
    # Numbered headings of other shapes, a Markdown heading, a table's title.
    ("2.1 Bakgrund och syfte", "heading"),
    ("Mål 3. Ökad trygghet i centrum", "heading"),
    ("## Ekonomisk översikt", "heading"),
    ("# Rubrik", "heading"),
    ("Tabell 3", "heading"),
    # Table lines: TAB-separated cells or a pipe row.
    ("Nettokostnad\t3,5\t4,1", "table"),
    ("\tNettokostnad\t3,5", "table"),
    ("| Nettokostnad | 3,5 | 4,1 |", "table"),
    # Prose.
    ("Kostnaderna ökade med 3,5 mnkr jämfört med förra året.", "sentence"),
    ("Nämnden visar ett överskott på 1,2 mnkr, bl.a. tack vare vakanser.", "sentence"),
]
_SECTIONS_SAY = {"item": "text", "sentence": "text", "heading": "heading", "table": "table"}


def _report(line: str) -> str:
    return f"{_BODY}\n\n{_INTRO}\n\n{line}\n\n{_BODY}"


def _sections_view(line: str) -> str:
    text = _report(line)
    at = text.index(line)
    (block,) = [b for b in find_blocks(Source(text)) if b.start <= at + 2 < b.end]
    return block.type


def _chunker_view(line: str) -> str:
    chunks = chunk_document(_DOC, Source(_report(line)), _ONE_EACH)
    if any(c.kind == "table" for c in chunks):
        return "table"
    if any(_INTRO in c.text and line.strip() in c.text for c in chunks):
        return "item"
    if any(c.text == line.strip() for c in chunks):
        return "sentence"
    assert not any(line.strip() in c.text for c in chunks)
    return "heading" if chunks[-1].section else "lost"


def _units_of(text: str) -> list[tuple[str, str]]:
    chunk = Chunk(id="d:0", doc_id="d", text=text, section=(), start=0, end=len(text))
    return [(u.kind, u.text) for u in units(Hit(chunk, 1.0, 1))]


def _units_view(line: str) -> str:
    kinds = {kind for kind, _ in _units_of(line)}
    if not kinds:
        return "heading"
    if kinds <= {"row", "cell"}:
        return "table"
    (kind,) = kinds
    return kind


@pytest.mark.parametrize(("line", "expected"), LINES)
def test_chunker_sections_and_units_read_a_line_alike(line: str, expected: str) -> None:
    assert (_sections_view(line), _chunker_view(line), _units_view(line)) == (
        _SECTIONS_SAY[expected],
        expected,
        expected,
    )


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("2.1 Bakgrund och syfte", ("2.1 Bakgrund och syfte",)),
        ("Mål 3. Ökad trygghet i centrum", ("Mål 3. Ökad trygghet i centrum",)),
        ("## Ekonomisk översikt", ("Ekonomisk översikt",)),
        ("Tabell 3", ("Tabell 3",)),
    ],
)
def test_a_heading_heads_the_passage_below_it(line: str, title: tuple[str, ...]) -> None:
    chunks = chunk_document(_DOC, Source(_report(line)), _ONE_EACH)
    assert [(c.section, c.text) for c in chunks[-1:]] == [(title, _BODY)]


def test_the_shared_patterns_say_the_same_of_the_example_lines() -> None:
    items = [line for line, kind in LINES if LIST_ITEM.match(line)]
    assert items == [line for line, kind in LINES if kind == "item"]
    headings = [MD_HEADING.match(line).group(1, 2) for line, _ in LINES if MD_HEADING.match(line)]
    assert headings == [("##", "Ekonomisk översikt"), ("#", "Rubrik")]
    # Marks start the line and a space follows them; closing marks are no part of the title.
    assert MD_HEADING.match("  ## Ekonomi") is None
    assert MD_HEADING.match("#Ekonomi") is None
    assert MD_HEADING.match("## Ekonomi ##").group(2) == "Ekonomi"


SENTENCES = [
    (
        "Prognosen är ett överskott om ca. 1,1 mnkr enl. Svenskt Näringsliv. Det beror "
        "bl.a. på lägre kostnader, t.ex. för IT.",
        [
            "Prognosen är ett överskott om ca. 1,1 mnkr enl. Svenskt Näringsliv.",
            "Det beror bl.a. på lägre kostnader, t.ex. för IT.",
        ],
    ),
    # "mnkr." is in ABBREVIATIONS: a full stop after it ends no sentence.
    (
        "Överskottet blev 3,5 mnkr. Det är mer än budgeten.",
        ["Överskottet blev 3,5 mnkr. Det är mer än budgeten."],
    ),
    (
        "Överskottet blev 3,5 procent. Det är mer än budgeten!",
        ["Överskottet blev 3,5 procent.", "Det är mer än budgeten!"],
    ),
    (
        "Kostnaden ökade med 12 %. Nästa år sjunker den igen.",
        ["Kostnaden ökade med 12 %.", "Nästa år sjunker den igen."],
    ),
    (
        "Arbetet pågår t.o.m. augusti i år. Därefter följs det upp av A. Svensson i nämnden.",
        [
            "Arbetet pågår t.o.m. augusti i år.",
            "Därefter följs det upp av A. Svensson i nämnden.",
        ],
    ),
    (
        'Nämnden skriver "Vi når målet." Resultatet följs upp i augusti.',
        ['Nämnden skriver "Vi når målet."', "Resultatet följs upp i augusti."],
    ),
]


@pytest.mark.parametrize(("paragraph", "sentences"), SENTENCES)
def test_chunker_and_units_end_sentences_alike(paragraph: str, sentences: list[str]) -> None:
    # Every sentence a passage of its own: the paragraph twice over is longer than
    # `max_chars`, so it is cut at sentence ends, and no sentence is longer (none is capped)
    # or shorter than half of it (none is glued to the next).
    longest = max(len(s) for s in sentences)
    assert min(len(s) for s in sentences) >= longest / 2
    cfg = ChunkerConfig(target_chars=1, max_chars=longest)
    chunks = chunk_document(_DOC, Source(f"{paragraph} {paragraph}"), cfg)
    assert [c.text for c in chunks] == sentences * 2
    assert _units_of(paragraph) == [("sentence", s) for s in sentences]
    # A paragraph that ends a sentence is no heading to the sections.
    assert [b.type for b in find_blocks(Source(paragraph))] == ["text"]

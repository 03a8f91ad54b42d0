"""Find the structure of a report: headings with their levels, paragraphs, tables and the
table of contents, as blocks with character spans in the source text.

Reports arrive as text from PDF converters in several shapes: Markdown `#` headings,
bold-only lines, bare short heading lines ("Ekonomisk uppföljning", "Mål 3. …"), tab and pipe
tables, a table of contents with dot leaders, photo credits. Plain-text heading levels are
inferred from the table of contents, numbered heading families and runs of headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from indexer.models import Source
from rapportsok.text import (
    CAPTION,
    DANGLING_WORDS,
    HEADING_FAMILY,
    LIST_ITEM,
    MD_HEADING,
    STATUS_WORDS,
    TAG,
    is_rule_line,
    is_table_line,
)

BlockType = Literal["heading", "text", "table", "skip"]


@dataclass(frozen=True)
class Block:
    """A span of the source: a heading (with `level` and clean `title`), a run of text, a
    table, or something that is not body text (`skip`: table of contents, photo credits,
    title-page lines)."""

    type: BlockType
    start: int
    end: int
    level: int = 0
    title: str = ""


@dataclass(frozen=True)
class Section:
    """A body block with the heading path it stands under."""

    path: tuple[str, ...]
    block: Block
    heading_no: int  # headings seen before the block: a new number starts a new section


_DOT_LEADER = re.compile(r"\.{3,}\s*(\|\s*)?\t?\s*\d+\s*\|?\s*$")
_TOC_TITLE = re.compile(r"^(innehållsförteckning|innehåll)$", re.IGNORECASE)
_FAMILY_PREFIX = re.compile(r"^\w+\s*\d*\s*[.:–-]?\s*")
# Prose in a numbered heading's title ("Mål 3. Vi ska öka tryggheten. Det gör vi …"): any
# stop followed by more text, or a final one. Stricter than a sentence end (`sentence_breaks`
# lets "t.ex. och" and "A. Svensson" go on): a heading's title holds no full stop at all.
_PROSE_IN_TITLE = re.compile(r"[.!?]\s+\S|[.!?]$")
# Section names that are top level in Swedish municipal reports whatever their layout.
_TOP_LEVEL = re.compile(
    r"^(Sammanfattning|Ekonomi|Ekonomisk (uppföljning|översikt)|Måluppfyllelse"
    r"|Verksamhetsberättelse|Förvaltningsberättelse|Intern (styrning och )?kontroll"
    r"|Förvaltningens bidrag till .*|Redovisning av särskilda uppdrag.*|Kort om framtiden"
    r"|Förslag till beslut|Ärendebeskrivning|Viktiga händelser.*|Väsentliga händelser.*)$",
)
_TITLE_LINE = re.compile(
    r"(delårsrapport|årsredovisning|årsrapport|verksamhetsberättelse)\s.*\d{4}|^kommunstyrelsen$"
    r"|^[A-ZÅÄÖ ]+ KOMMUN$",
    re.IGNORECASE,
)
_MAX_HEADING_CHARS = 120
_MAX_NUMBERED_HEADING_CHARS = 220
_MAX_HEADING_WORDS = 14  # longer unnumbered lines read as sentences
# The body starts at the first paragraph this long: the title page has only short lines.
_MIN_BODY_PARAGRAPH_CHARS = 150


def clean_heading(text: str) -> str:
    """Heading text without Markdown emphasis, HTML tags or dot leaders."""
    text = TAG.sub("", text)
    text = re.sub(r"[*_]{1,3}", "", text)
    text = re.sub(r"\.{3,}.*$", "", text)
    return re.sub(r"\s+", " ", text).strip(" \t:")


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-zåäöéü]", "", clean_heading(text).lower())


def _looks_like_heading(text: str) -> bool:
    """A bare line standing alone that reads as a heading rather than a sentence."""
    title = clean_heading(text)
    if len(title) < 2 or title.endswith("-") or "\t" in text or "|" in text:
        return False
    if "@" in title or "www." in title:
        return False
    numbered = bool(HEADING_FAMILY.match(title))
    limit = _MAX_NUMBERED_HEADING_CHARS if numbered else _MAX_HEADING_CHARS
    if len(title) > limit or (not numbered and len(title.split()) > _MAX_HEADING_WORDS):
        return False
    if not (title[0].isupper() or title[0].isdigit()) or title.replace(" ", "").isdigit():
        return False
    if title[-1] in ".,;!?" and not numbered:
        return False
    words = title.lower().split()
    if text.rstrip().endswith((":", "-")) or words[-1] in STATUS_WORDS:
        return False
    if words[-1] in DANGLING_WORDS:
        return False
    if numbered and _PROSE_IN_TITLE.search(_FAMILY_PREFIX.sub("", title, count=1)):
        return False
    if (":" in title and not numbered) or re.search(r",\s*\w+\s+\d{4}$", title):
        return False
    if LIST_ITEM.match(text) or CAPTION.match(text):
        return False  # "2. Bakgrund" too: a numbered line is an item (see LIST_ITEM)
    return not re.search(r"\d{1,3}(\s\d{3})+|\d+,\d+\s*%", title)


@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of non-blank lines."""
    runs: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line.text.strip():
            current.append(line)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _toc(runs: list[list[_Line]]) -> tuple[set[int], list[str]]:
    """Indexes of the runs that form the table of contents, and its entry titles."""
    toc_runs: set[int] = set()
    entries: list[str] = []
    for i, run in enumerate(runs):
        if not (len(run) == 1 and _TOC_TITLE.match(clean_heading(_strip_md(run[0].text)))):
            continue
        toc_runs.add(i)
        for j in range(i + 1, len(runs)):
            lines = [ln.text for ln in runs[j]]
            is_toc = all(
                _DOT_LEADER.search(t)
                or re.search(r"\t\s*\d+\s*$", t)
                or is_rule_line(t)
                or re.match(r"^\s*\|.*\|\s*\d+\s*\|\s*$", t)
                or re.match(r"^\s*\|[\s|]*\|\s*$", t)
                or t.strip().upper() in {"SIDNUMMER", "SIDA", "SID"}
                for t in lines
            )
            if not is_toc:
                break
            toc_runs.add(j)
            for t in lines:
                title = clean_heading(re.sub(r"\t\s*\d+\s*$", "", t).strip().strip("|"))
                title = re.sub(r"\|\s*\d+\s*$", "", title).strip(" |")
                if title and not title.isdigit() and title.upper() != "SIDNUMMER":
                    entries.append(title)
        break
    return toc_runs, entries


def _strip_md(text: str) -> str:
    m = MD_HEADING.match(text)
    return m.group(2) if m else text


def find_blocks(source: Source) -> list[Block]:
    """Split a report into heading, text, table and skip blocks (in source order)."""
    text = source.text
    lines = _lines(text)
    runs = _paragraphs(lines)
    toc_runs, toc_entries = _toc(runs)
    toc_norm = {_norm(e) for e in toc_entries}
    markdown = any(MD_HEADING.match(ln.text) for ln in lines) or bool(source.headings)
    pdf_headings = {(s, e): lvl for s, e, lvl in source.headings}

    raw: list[Block] = []
    for i, run in enumerate(runs):
        if i in toc_runs:
            raw.append(Block("skip", run[0].start, run[-1].end))
            continue
        raw.extend(_run_blocks(run, markdown, pdf_headings))
    if not markdown:
        raw = _status_answers(raw, text)
    else:
        raw = _bold_levels(raw)
    blocks = _drop_title_page(raw, text, plain=not markdown)
    if not markdown:
        blocks = _assign_levels(blocks, toc_norm)
    # A heading-like last line with nothing under it is text ("Årsbudget för äldreomsorg").
    last = next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i].type != "skip"), None)
    if last is not None and blocks[last].type == "heading":
        blocks[last] = Block("text", blocks[last].start, blocks[last].end)
    return blocks


def _run_blocks(
    run: list[_Line], markdown: bool, pdf_headings: dict[tuple[int, int], int]
) -> list[Block]:
    """Blocks of one run of non-blank lines: headings, table lines, text lines, captions."""
    out: list[Block] = []

    def add(kind: BlockType, line: _Line) -> None:
        if out and out[-1].type == kind and kind in ("text", "table", "skip"):
            out[-1] = Block(kind, out[-1].start, line.end)
        else:
            out.append(Block(kind, line.start, line.end))

    for line in run:
        stripped = line.text.strip()
        md = MD_HEADING.match(line.text)
        if (line.start, line.end) in pdf_headings:
            level = pdf_headings[(line.start, line.end)]
            out.append(Block("heading", line.start, line.end, level, clean_heading(stripped)))
        elif md:
            title = clean_heading(md.group(2))
            if title:
                out.append(Block("heading", line.start, line.end, len(md.group(1)), title))
            else:
                add("skip", line)
        elif CAPTION.match(stripped):
            add("skip", line)
        elif is_table_line(line.text):
            add("table", line)
        elif len(run) == 1 and _bold_only(stripped) and _looks_like_heading(stripped):
            out.append(Block("heading", line.start, line.end, 0, clean_heading(stripped)))
        elif len(run) == 1 and not markdown and _joined_headings(stripped):
            for title in _joined_headings(stripped):
                out.append(Block("heading", line.start, line.end, 0, title))
        elif len(run) == 1 and not markdown and _looks_like_heading(stripped):
            out.append(Block("heading", line.start, line.end, 0, clean_heading(stripped)))
        else:
            add("text", line)
    return out


def _bold_levels(blocks: list[Block]) -> list[Block]:
    """Bold-only headings ("**1. Bakgrund**") of a Markdown report are one level below the
    `#` heading above them, all of them: bold lines look alike, so "**2. …**" after
    "**1. …**" is its sibling, not its child."""
    out, parent = [], 0
    for b in blocks:
        if b.type == "heading" and b.level:
            parent = b.level
        elif b.type == "heading":
            b = Block("heading", b.start, b.end, parent + 1, b.title)
        out.append(b)
    return out


def _status_answers(blocks: list[Block], text: str) -> list[Block]:
    """A line answered by a bare status word ("Ja", "Pågår", "Bättre") is a statement in a
    follow-up table, not a heading."""
    out = list(blocks)
    for i in range(len(out) - 1):
        nxt = out[i + 1]
        answer = text[nxt.start : nxt.end].strip().lower()
        if out[i].type == "heading" and nxt.type == "text" and answer in STATUS_WORDS:
            out[i] = Block("text", out[i].start, out[i].end)
    return out


def _bold_only(text: str) -> bool:
    return bool(re.fullmatch(r"(\*\*[^*]+\*\*|<b>[^<]+</b>)", text))


def _joined_headings(text: str) -> list[str]:
    """Headings that a converter glued together: "Läget**Saker som vi vill satsa på**"."""
    if "**" not in text or _bold_only(text):
        return []
    parts = [p.strip() for p in text.split("**") if p.strip()]
    if len(parts) < 2 or not all(_looks_like_heading(p) for p in parts):
        return []
    return [clean_heading(p) for p in parts]


def _drop_title_page(blocks: list[Block], text: str, plain: bool) -> list[Block]:
    """Title-page lines ("Delårsrapport 2021", "Kommunstyrelsen") and running headers that
    repeat them are not section headings.

    In a plain-text report every heading-like line of the title page counts: the lines
    before the table of contents, or else before the first long paragraph (except the
    headings right above that paragraph, which are its own).
    """
    title_lines: set[str] = set()
    for b in blocks:
        if b.type == "heading" and _TITLE_LINE.search(b.title):
            title_lines.add(_norm(b.title))
    if plain:
        toc_at = next(
            (
                i
                for i, b in enumerate(blocks)
                if b.type == "skip"
                and _TOC_TITLE.match(clean_heading(text[b.start : b.end].split("\n")[0]))
            ),
            None,
        )
        if toc_at is None:
            first_long = next(
                (
                    i
                    for i, b in enumerate(blocks)
                    if b.type == "text" and b.end - b.start >= _MIN_BODY_PARAGRAPH_CHARS
                ),
                len(blocks),
            )
            end = first_long
            while end > 0 and blocks[end - 1].type == "heading":
                end -= 1
        else:
            end = toc_at
        for b in blocks[:end]:
            if b.type == "heading" and not _TOP_LEVEL.match(b.title):
                title_lines.add(_norm(b.title))
    out = []
    for b in blocks:
        if b.type == "heading" and _norm(b.title) in title_lines:
            out.append(Block("skip", b.start, b.end))
        elif b.type == "text" and _norm(text[b.start : b.end]) in title_lines:
            out.append(Block("skip", b.start, b.end))
        else:
            out.append(b)
    return out


def _family(title: str) -> str | None:
    m = HEADING_FAMILY.match(title)
    return m.group(1) if m else None


def _assign_levels(blocks: list[Block], toc: set[str]) -> list[Block]:
    """Levels for plain-text headings.

    Headings listed in the table of contents or named like a report's top-level sections
    are level 1; a heading directly below another heading (nothing between) is its child;
    members of a numbered family ("Mål 1.", "Mål 2.") share a level; any other heading is
    a child of the nearest structural heading before it.
    """
    out: list[Block] = []
    family_level: dict[str, int] = {}
    structural = 0  # level of the last heading that opens a structure (0: none yet)
    prev_heading_level: int | None = None
    glued_to: tuple[int, int] | None = None  # (line start, level of the parts after the first)
    body = [b for b in blocks if b.type != "skip"]
    follows_heading = {
        id(b): i + 1 < len(body) and body[i + 1].type == "heading" for i, b in enumerate(body)
    }
    for b in blocks:
        if b.type == "skip":
            out.append(b)
            continue
        if b.type != "heading":
            prev_heading_level = None
            out.append(b)
            continue
        fam = _family(b.title)
        top = _norm(b.title) in toc or bool(_TOP_LEVEL.match(b.title))
        if glued_to is not None and b.start == glued_to[0]:
            # Parts of one glued line ("Läget**Saker som …**") are columns: siblings.
            level = glued_to[1]
            glued_to = (b.start, level)
            prev_heading_level = level - 1
            out.append(Block("heading", b.start, b.end, level, b.title))
            continue
        if fam and fam in family_level:
            level = family_level[fam]
        elif prev_heading_level is not None:
            level = prev_heading_level + 1
        elif top:
            level = 1
        else:
            level = structural + 1
        if fam:
            family_level.setdefault(fam, level)
        if top or fam or follows_heading[id(b)]:
            structural = level
        prev_heading_level = level
        glued_to = (b.start, level + 1)
        out.append(Block("heading", b.start, b.end, level, b.title))
    return out


def sections(source: Source) -> list[Section]:
    """Body blocks (text and tables) of a report with the heading path above each."""
    stack: list[tuple[int, str]] = []
    out: list[Section] = []
    n = 0
    for block in find_blocks(source):
        if block.type == "heading":
            n += 1
            level = block.level or (stack[-1][0] + 1 if stack else 1)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, block.title))
        elif block.type in ("text", "table"):
            out.append(Section(tuple(t for _, t in stack), block, n))
    return out


def outline(source: Source) -> list[tuple[int, tuple[str, ...]]]:
    """Every heading as (level, path): the report's section outline."""
    stack: list[tuple[int, str]] = []
    out: list[tuple[int, tuple[str, ...]]] = []
    for block in find_blocks(source):
        if block.type != "heading":
            continue
        level = block.level or (stack[-1][0] + 1 if stack else 1)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, block.title))
        out.append((level, tuple(t for _, t in stack)))
    return out

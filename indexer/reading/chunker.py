"""Cut a report's sections into passages that never cross a section boundary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from indexer.models import Chunk, Document, Source, text_hash
from indexer.reading.sections import Section, sections
from rapportsok.text import (
    CAPTION_LINE,
    LIST_ITEM,
    TAG,
    cell_texts,
    columns,
    goes_on,
    has_word,
    is_header_row,
    sentence_breaks,
    strip_span,
)

# A word hyphenated at a line end ("kommun-\nstyrelsen"), joined in the indexed text only
# (citations keep the verbatim text). Broader than rapportsok.text.join_printed_lines, which
# joins printed PDF lines before this runs and keeps "IT-" + "enheten": what is left are the
# line ends of .txt reports, whose indexed words stay as they were (see Source).
_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(?=[a-zåäö])")
# A paragraph ending in one of these goes on after a page break. Narrower than
# rapportsok.text.DANGLING_WORDS (no "men", pronouns or articles): it decides where passages
# end, and the passages of .txt reports stay as they were cut (a trained reader depends on
# them; see Source).
_CONTINUES = ("och", "att", "för", "i", "av", "med", "samt", "till", "på", "om", "som", "eller")


@dataclass(frozen=True)
class ChunkerConfig:
    """Passage sizes in characters (about 4 characters a token for Swedish with e5's
    tokenizer: 900 characters ≈ 230 tokens, well inside the model's 512)."""

    target_chars: int = 900
    max_chars: int = 1400
    table_max_chars: int = 1200
    small_table_chars: int = 400  # shorter tables stay in the running text as one unit

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_text(text: str) -> str:
    """Text for the encoder and the lexical index: no markup, dot leaders, photo credits or
    hyphenation across line breaks, whitespace folded. Citations keep the verbatim text."""
    text = CAPTION_LINE.sub(" ", text)
    text = _HYPHEN_BREAK.sub(r"\1", text)
    text = TAG.sub("", text).replace("&nbsp;", " ").replace("&amp;", "&")
    text = re.sub(r"\*{1,3}|\.{3,}|\|", " ", text)
    text = re.sub(r"\s*-{3,}\s*", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def context_header(doc: Document, section: tuple[str, ...]) -> str:
    """'Timrå kommun · Delårsrapport 2021 · Ekonomi › Driftbudget'."""
    parts = []
    if doc.municipality:
        parts.append(f"{doc.municipality} kommun")
    parts.append(doc.title)
    if section:
        parts.append(" › ".join(section))
    return " · ".join(parts)


def _units(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Paragraph spans inside [start, end), long ones split at sentence ends, and what is
    still longer than `max_chars` (no sentence end in reach) cut by `_capped`."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text[start:end]):
        s, e = start + m.start(), start + m.end()
        if not text[s:e].strip():
            continue
        if e - s <= max_chars:
            out.append((s, e))
            continue
        cut = s
        for sm in sentence_breaks(text, s, e):
            if sm.start() - cut >= max_chars // 2:
                out.extend(_capped(text, cut, sm.start(), max_chars))
                cut = sm.end()
        out.extend(_capped(text, cut, e, max_chars))
    return out


# Where a piece without a sentence end in reach is cut, best first: after a clause's
# punctuation, at a line break, at a space. A report of one 100 KB paragraph without a full
# stop (or a PDF of 200k tiny text operators) becomes passages of at most `max_chars`, each
# embedded in bounded time, instead of one passage that holds the model for seconds.
_SOFT_BREAKS = (re.compile(r"(?<=[,;:])\s"), re.compile(r"\n"), re.compile(r"\s"))


def _capped(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """[start, end) in spans of at most `max_chars`, each cut at the best soft break
    (`_SOFT_BREAKS`) in its second half, or hard at `max_chars` where there is none."""
    out: list[tuple[int, int]] = []
    while end - start > max_chars:
        lo, hi = start + max(1, max_chars // 2), start + max_chars
        cut = hi
        for pattern in _SOFT_BREAKS:
            found = [m.start() for m in pattern.finditer(text, lo, hi + 1)]
            if found:
                cut = found[-1]
                break
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    out.append((start, end))
    return out


def _continues(text: str, prev_end: int, next_start: int) -> bool:
    """A paragraph broken by a page break: hyphenated word or dangling conjunction before,
    lower-case letter after."""
    before = text[:prev_end].rstrip()
    if not goes_on(text[next_start:].lstrip()):
        return False
    return before.endswith("-") or before.rsplit(None, 1)[-1].lower() in _CONTINUES


class _Builder:
    def __init__(self, doc: Document, source: Source) -> None:
        self.doc, self.source = doc, source
        self.chunks: list[Chunk] = []

    def add(
        self,
        section: tuple[str, ...],
        start: int,
        end: int,
        kind: str = "text",
        table_header: str | None = None,
    ) -> None:
        start, end = strip_span(self.source.text, start, end)
        text = self.source.text[start:end]
        if not clean_text(text) or not has_word(text):
            return
        context = context_header(self.doc, section)
        if table_header is not None:
            context = f"{context}\n{table_header}"
        self.chunks.append(
            Chunk(
                id=f"{self.doc.id}:{len(self.chunks):04d}:{text_hash(text)[:8]}",
                doc_id=self.doc.id,
                text=text,
                section=section,
                start=start,
                end=end,
                page=self.source.page_at(start),
                kind="table" if kind == "table" else "text",
                context=context,
                table_header=table_header,
                ocr=self.source.page_at(start) in self.source.ocr_pages,
            )
        )


def _introduces(text: str, unit: tuple[int, int], nxt: tuple[int, int]) -> bool:
    """Whether paragraph `unit` introduces the list that `nxt` opens ("Utredningen
    föreslår:" + "- …"): the two belong in one passage."""
    return text[unit[0] : unit[1]].rstrip().endswith(":") and bool(
        LIST_ITEM.match(text[nxt[0] : nxt[1]])
    )


def _chunk_text_run(
    b: _Builder, path: tuple[str, ...], spans: list[tuple[int, int]], cfg: ChunkerConfig
) -> None:
    text = b.source.text
    units = [u for s, e in spans for u in _units(text, s, e, cfg.max_chars)]
    cur: tuple[int, int] | None = None
    last = (0, 0)  # the last unit in `cur`
    for s, e in units:
        if cur is None:
            cur = last = (s, e)
            continue
        joined = e - cur[0]
        intro = _introduces(text, last, (s, e))
        glued = (_continues(text, cur[1], s) or intro) and joined <= cfg.max_chars
        if joined <= cfg.target_chars or glued:
            cur = (cur[0], e)
        elif intro and last[0] > cur[0] and e - last[0] <= cfg.max_chars:
            # The passage is full: the introduction goes on with its list.
            b.add(path, cur[0], last[0])
            cur = (last[0], e)
        else:
            b.add(path, *cur)
            cur = (s, e)
        last = (s, e)
    if cur:
        b.add(path, *cur)


def _chunk_table(
    b: _Builder,
    path: tuple[str, ...],
    start: int,
    end: int,
    cfg: ChunkerConfig,
    inherited: str | None,
) -> str | None:
    """One chunk per table, or row groups when long; later groups carry the header row in
    their context (the cited text stays a verbatim span of the report). A table that goes
    on after a blank line without a header of its own takes the previous one's header.
    Returns the header in force, for the next table of the section."""
    text = b.source.text
    rows = [
        piece
        for m in re.finditer(r"[^\n]+", text[start:end])
        for piece in _capped(text, start + m.start(), start + m.end(), cfg.max_chars)
    ]
    first_row = text[rows[0][0] : rows[0][1]]
    own = (
        is_header_row(cell_texts(first_row))
        or inherited is None
        or columns(inherited) != columns(first_row)
    )
    header = first_row if own else inherited
    if end - start <= cfg.table_max_chars:
        b.add(path, start, end, "table", None if own else header)
        return header
    group_start, first = rows[0][0], own
    prev_end = rows[0][1]
    for s, e in rows[1:]:
        if e - group_start > cfg.table_max_chars:
            b.add(path, group_start, prev_end, "table", None if first else header)
            group_start, first = s, False
        prev_end = e
    b.add(path, group_start, prev_end, "table", None if first else header)
    return header


def chunk_document(
    doc: Document,
    source: Source,
    cfg: ChunkerConfig | None = None,
    secs: Sequence[Section] | None = None,
) -> list[Chunk]:
    """All passages of one report, in order. Text passages end at paragraph or sentence
    boundaries; tables are passages of their own; the table of contents and passages
    without a word (a "-", a lone date) are left out. `secs` are `sections(source)` where
    the caller has them already."""
    cfg = cfg or ChunkerConfig()
    b = _Builder(doc, source)
    run: list[tuple[int, int]] = []
    run_path: tuple[str, ...] = ()
    run_heading = -1
    table_header: str | None = None

    def flush() -> None:
        if run:
            _chunk_text_run(b, run_path, run, cfg)
        run.clear()

    for sec in sections(source) if secs is None else secs:
        if sec.heading_no != run_heading:
            flush()
            run_path, run_heading, table_header = sec.path, sec.heading_no, None
        small = sec.block.end - sec.block.start <= cfg.small_table_chars
        if sec.block.type == "table" and not small:
            flush()
            table_header = _chunk_table(
                b, sec.path, sec.block.start, sec.block.end, cfg, table_header
            )
        else:
            run.append((sec.block.start, sec.block.end))
    flush()
    return b.chunks

"""Property tests of the chunker (hypothesis): on arbitrary text, and on generated reports
with Markdown headings, paragraphs and pipe and tab tables, it never loses body text, never
produces an empty chunk, and every chunk's span points at the chunk's text in the source."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.models import Chunk, Document, Source
from indexer.reading.chunker import ChunkerConfig, chunk_document, clean_text

DOC = Document(
    id="rapport", path="rapport.md", sha256="0" * 64, title="Rapport 2024", municipality="Sundsvik"
)
# Small sizes so that short generated reports already exercise every split path.
SMALL = ChunkerConfig(target_chars=160, max_chars=320, table_max_chars=240, small_table_chars=90)
CONFIGS = st.sampled_from([ChunkerConfig(), SMALL])
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_LETTERS = "abcdefghijklmnopqrstuvwxyzåäö"
word = st.text(_LETTERS, min_size=2, max_size=11)
number = st.integers(0, 99_999).map(lambda n: f"{n / 10:.1f}".replace(".", ","))


@st.composite
def sentence(draw: st.DrawFn) -> str:
    words = draw(st.lists(word, min_size=3, max_size=18))
    return words[0].capitalize() + " " + " ".join(words[1:]) + draw(st.sampled_from(".!?"))


@st.composite
def paragraph(draw: st.DrawFn) -> str:
    sentences = draw(st.lists(sentence(), min_size=1, max_size=9))
    sep = draw(st.sampled_from([" ", "\n"]))  # a paragraph may wrap over lines
    return sep.join(sentences)


@st.composite
def table(draw: st.DrawFn) -> str:
    cols = draw(st.integers(2, 5))
    rows = draw(
        st.lists(
            st.tuples(word, st.lists(number, min_size=cols - 1, max_size=cols - 1)),
            min_size=1,
            max_size=14,
        )
    )
    header = [draw(word).capitalize()] + [str(2018 + i) for i in range(cols - 1)]
    if draw(st.booleans()):  # pipe table with a rule line
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * cols]
        lines += ["| " + " | ".join([w.capitalize(), *ns]) + " |" for w, ns in rows]
    else:  # tab-separated, as PDF converters write them
        lines = ["\t".join(header)] + ["\t".join([w.capitalize(), *ns]) for w, ns in rows]
    return "\n".join(lines)


@st.composite
def heading(draw: st.DrawFn) -> str:
    words = draw(st.lists(word, min_size=1, max_size=5))
    title = words[0].capitalize() + "".join(f" {w}" for w in words[1:])
    return "#" * draw(st.integers(1, 4)) + " " + title


@dataclass
class Report:
    """A generated report: its text, and the spans of its body blocks and headings."""

    text: str
    body: list[tuple[int, int]]
    headings: list[tuple[int, str]]  # (offset, title)


@st.composite
def report(draw: st.DrawFn) -> Report:
    """Sections of a heading and 1–4 body blocks (paragraphs and tables), maybe with an
    untitled introduction first."""
    parts: list[tuple[str, str]] = []
    if draw(st.booleans()):
        parts.append(("body", draw(paragraph())))
    for _ in range(draw(st.integers(1, 5))):
        parts.append(("heading", draw(heading())))
        for _ in range(draw(st.integers(1, 4))):
            parts.append(("body", draw(st.one_of(paragraph(), paragraph(), table()))))
    text, body, headings = "", [], []
    for kind, part in parts:
        if text:
            text += "\n\n"
        start = len(text)
        text += part
        if kind == "body":
            body.append((start, len(text)))
        else:
            headings.append((start, part.lstrip("#").strip()))
    return Report(text + "\n", body, headings)


def _check_chunks(source: Source, chunks: list[Chunk]) -> None:
    """No empty chunk; each span is the chunk's verbatim text; in order, no overlaps."""
    prev_end = 0
    for c in chunks:
        assert c.text.strip() and clean_text(c.text), c
        assert source.text[c.start : c.end] == c.text
        assert c.text == c.text.strip()
        assert c.start >= prev_end, "chunks overlap or are out of order"
        prev_end = c.end
    assert len({c.id for c in chunks}) == len(chunks)


@FAST
@given(text=st.text(max_size=3000), cfg=CONFIGS)
def test_arbitrary_text_gives_non_empty_chunks_with_exact_spans(
    text: str, cfg: ChunkerConfig
) -> None:
    source = Source(text=text)
    _check_chunks(source, chunk_document(DOC, source, cfg))


@FAST
@given(
    lines=st.lists(
        st.one_of(
            heading(),
            paragraph(),
            table(),
            st.just(""),
            st.text(" \t|-#*", max_size=6),
            st.text(max_size=80),
        ),
        max_size=25,
    ),
    cfg=CONFIGS,
)
def test_arbitrary_mixes_of_report_lines_give_non_empty_chunks_with_exact_spans(
    lines: list[str], cfg: ChunkerConfig
) -> None:
    source = Source(text="\n".join(lines))
    _check_chunks(source, chunk_document(DOC, source, cfg))


@FAST
@given(r=report(), cfg=CONFIGS)
def test_no_body_text_is_lost_and_chunks_stand_under_their_heading(
    r: Report, cfg: ChunkerConfig
) -> None:
    source = Source(text=r.text)
    chunks = chunk_document(DOC, source, cfg)
    _check_chunks(source, chunks)
    covered = [False] * len(r.text)
    for c in chunks:
        covered[c.start : c.end] = [True] * (c.end - c.start)
    for start, end in r.body:
        for m in re.finditer(r"\w+", r.text[start:end]):
            assert all(covered[start + m.start() : start + m.end()]), (
                f"lost body text {m.group()!r} at {start + m.start()}"
            )
    for c in chunks:
        above = [title for offset, title in r.headings if offset < c.start]
        if above:
            assert c.section and c.section[-1] == above[-1], (c.section, above[-1])
        else:
            assert c.section == ()
        assert not any(c.start <= offset < c.end for offset, _ in r.headings), (
            "a heading inside a chunk's text"
        )

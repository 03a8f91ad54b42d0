"""Passages have a hard length cap whatever the punctuation (issue 25, item 1): a report of
one long paragraph without a full stop, a text of tiny PDF text operators, one long table
row, or any text (hypothesis) never gives a passage longer than `max_chars`, and the cuts
fall at the best boundary there is: a clause, a line, a space, else a hard cut."""

from __future__ import annotations

import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.models import Document, Source
from indexer.reading.chunker import ChunkerConfig, chunk_document

DOC = Document(id="rapport", path="rapport.txt", sha256="0" * 64, title="Rapport")
CFG = ChunkerConfig()


def _chunks(text: str, cfg: ChunkerConfig = CFG) -> list[str]:
    chunks = chunk_document(DOC, Source(text=text), cfg)
    for c in chunks:
        assert text[c.start : c.end] == c.text
    return [c.text for c in chunks]


def test_one_paragraph_without_full_stops_is_cut_at_spaces() -> None:
    # The repro, smaller: 12,000 words (~93 KB) in one paragraph, no punctuation.
    rng = random.Random(25)
    words = "kommunen budget skola ekonomi".split()
    body = " ".join(rng.choice(words) for _ in range(12_000))
    texts = _chunks("Rubrik\n\n" + body)
    assert len(texts) > 60  # was 1 passage of 93 KB
    assert max(len(t) for t in texts) <= CFG.max_chars
    # Cut at spaces: every passage is whole words, and together they are the whole text.
    assert all(set(t.split()) <= set(words) for t in texts)
    assert sum(len(t.split()) for t in texts) == 12_000


def test_clauses_before_lines_before_spaces() -> None:
    clause = "och budgeten för skolan ökar med tre procent, "
    texts = _chunks("Rubrik\n\n" + clause * 200)
    assert max(len(t) for t in texts) <= CFG.max_chars
    assert all(t.endswith(",") for t in texts[:-1])
    lines = "\n".join("budget skola ekonomi kommunen" for _ in range(500))
    texts = _chunks("Rubrik\n\n" + lines)
    assert max(len(t) for t in texts) <= CFG.max_chars
    assert all(t.endswith("kommunen") for t in texts)


def test_text_without_any_break_is_cut_hard() -> None:
    texts = _chunks("Rubrik\n\n" + "x" * 204_000)  # a PDF of tiny text operators, say
    assert max(len(t) for t in texts) == CFG.max_chars
    assert sum(len(t) for t in texts) == 204_000  # "Rubrik" is the heading


def test_a_long_table_row_is_cut_too() -> None:
    row = "| " + " | ".join(f"{i},5" for i in range(2_000)) + " |"
    texts = _chunks("Rubrik\n\n| Post | 2023 |\n|---|---|\n" + row)
    assert max(len(t) for t in texts) <= CFG.max_chars


def test_ordinary_paragraphs_are_not_cut_mid_sentence() -> None:
    sentence = "Kommunen har en budget i balans och skolan har fått mer pengar. "
    texts = _chunks("Rubrik\n\n" + sentence * 60)
    assert all(re.search(r"\.$", t) for t in texts[1:])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(st.sampled_from("ab ,.;:\n\tÅ|-•1"), min_size=0, max_size=3_000),
    cap=st.integers(20, 400),
)
def test_no_passage_is_longer_than_the_cap(text: str, cap: int) -> None:
    cfg = ChunkerConfig(
        target_chars=cap // 2, max_chars=cap, table_max_chars=cap, small_table_chars=cap // 4
    )
    for t in _chunks(text, cfg):
        assert len(t) <= cap

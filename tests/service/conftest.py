"""A real uvicorn server on a free loopback port, serving the session's corpus index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import LiveServer


@pytest.fixture(scope="session")
def searcher(loaded_index, encoder):
    """A searcher over the real corpus index with the real model."""
    from indexer.language.analyzer import get_analyzer
    from search.retrieval import Searcher

    return Searcher(loaded_index, encoder, get_analyzer())


@pytest.fixture(scope="session")
def api(searcher, corpus_copy: Path, corpus_index: Path) -> Iterator[httpx.Client]:
    """An HTTP client of a live server over the corpus index (one per test session)."""
    from rapportsok.settings import Settings
    from service.app import create_app

    settings = Settings(index_dir=corpus_index, corpus_dir=corpus_copy)
    with (
        LiveServer(create_app(settings, searcher=searcher)) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        yield client

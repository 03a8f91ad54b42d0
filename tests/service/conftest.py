"""A real uvicorn server on a free loopback port, serving the session's corpus index."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port


class LiveServer:
    """uvicorn in a background thread; `url` is its base URL."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def searcher(loaded_index, encoder):
    """A searcher over the real corpus index with the real model."""
    from indexer.analyzer import get_analyzer
    from service.retrieval import Searcher

    return Searcher(loaded_index, encoder, get_analyzer())


@pytest.fixture(scope="session")
def api(searcher, corpus_copy: Path, corpus_index: Path) -> Iterator[httpx.Client]:
    """An HTTP client of a live server over the corpus index (one per test session)."""
    from indexer.settings import Settings
    from service.app import create_app

    settings = Settings(index_dir=corpus_index, corpus_dir=corpus_copy)
    with LiveServer(create_app(settings, searcher=searcher)) as live, \
            httpx.Client(base_url=live.url, timeout=30) as client:
        yield client

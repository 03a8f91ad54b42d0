"""The fast tier's index: two small made-up reports (tests/data/tiny) embedded with the
deterministic fake encoder, built once per session in well under a second."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FakeEncoder

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


@pytest.fixture(scope="session")
def tiny_searcher(tmp_path_factory: pytest.TempPathFactory):
    """A searcher over the tiny corpus with the fake encoder and the real analyzer."""
    from indexer.build import build_index
    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from search.retrieval import Searcher

    out = tmp_path_factory.mktemp("tiny") / "index"
    build_index(TINY, out, FakeEncoder())
    return Searcher(load_index(out), FakeEncoder(), get_analyzer())

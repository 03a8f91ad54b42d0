"""Fixtures of the eval tests: a searcher over the session's real corpus index."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def eval_searcher(loaded_index, encoder):
    """A searcher over the real corpus index with the real model (the service's defaults)."""
    from indexer.language.analyzer import get_analyzer
    from search.retrieval import Searcher

    return Searcher(loaded_index, encoder, get_analyzer())

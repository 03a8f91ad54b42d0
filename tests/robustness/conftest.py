"""Fixtures of the robustness tests: a searcher over the session's corpus index, shared by the
writable servers (their first index is a copy of that one)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def base_searcher(loaded_index, encoder):
    """A searcher over the real corpus index with the real model."""
    from indexer.analyzer import get_analyzer
    from search.retrieval import Searcher

    return Searcher(loaded_index, encoder, get_analyzer())

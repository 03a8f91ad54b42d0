"""A live API over a private, writable copy of the session's corpus and index, with an API
key configured: for the tests that upload and delete reports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

API_KEY = "test-key-0123456789"

UPLOAD_TEXT = """# Sundsviks kommun

## Kultur och fritid

Biblioteket i Sundsvik har fått utökade öppettider under hösten, med kvällsöppet tre dagar \
i veckan och läxhjälp på lördagar.

Fritidsgårdarna har haft fler besökare än tidigare år, särskilt under sommarlovet.

## Ekonomi

Kultur- och fritidsnämnden redovisar ett överskott på 1,7 miljoner kronor för perioden.
"""


@dataclass
class Writable:
    """A running server over copies: `url`, `corpus` and `index` folders, the `app`."""

    url: str
    corpus: Path
    index: Path
    app: Any


def copy_index(corpus_index: Path, dest: Path) -> Path:
    """Copy a published index (symlink → version folder) into `dest`, same layout."""
    from indexer.store.index import version_dir

    dest.mkdir(parents=True, exist_ok=True)
    version = version_dir(corpus_index)
    shutil.copytree(version, dest / version.name)
    link = dest / "index"
    link.symlink_to(version.name)
    return link


@contextmanager
def writable_server(
    corpus: Path, corpus_index: Path, tmp: Path, searcher: Any, **settings: Any
) -> Iterator[Writable]:
    """Start the API (uvicorn in a thread) over copies of `corpus` and `corpus_index`,
    reusing the session's loaded `searcher` (and so its encoder) for the first index."""
    from helpers import LiveServer

    from rapportsok.settings import Settings
    from service.app import create_app
    from service.connections import uvicorn_options

    corpus_dir = tmp / "corpus"
    shutil.copytree(corpus, corpus_dir)
    index = copy_index(corpus_index, tmp / "data")
    config = Settings(corpus_dir=corpus_dir, index_dir=index, **{"api_key": API_KEY, **settings})
    app = create_app(config, searcher=searcher)
    with LiveServer(app, **uvicorn_options(config)) as live:
        yield Writable(live.url, corpus_dir, index, app)


def auth(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}

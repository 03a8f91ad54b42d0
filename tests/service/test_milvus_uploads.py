"""Uploads and removals through the API with a Milvus store (milvus-lite): the same writer
and journal change the segment index, and the collection follows the published index."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from writable import UPLOAD_TEXT, auth, writable_server

from rapportsok.errors import StoreUnavailable
from service.journal import indexed_sources

SUNDSVIK = "sundsvik-kultur-2022"


def test_an_upload_and_a_removal_reach_the_milvus_store(
    loaded_index,
    encoder,
    corpus_copy: Path,
    corpus_index: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from indexer.language.analyzer import get_analyzer
    from search.milvus_client import parse_store
    from search.milvus_store import MilvusStore
    from search.retrieval import Searcher

    setting = f"milvus-lite:{tmp_path / 'm.db'}"
    store, _ = MilvusStore.open(parse_store(setting), loaded_index)
    first = Searcher(store.index, encoder, get_analyzer(), store=store)
    with (
        writable_server(corpus_copy, corpus_index, tmp_path, first, store=setting) as live,
        httpx.Client(base_url=live.url, timeout=120) as http,
    ):
        r = http.post(
            "/documents",
            files={"file": ("Sundsvik kultur 2022.md", UPLOAD_TEXT.encode())},
            data={"municipality": "Sundsvik", "year": "2022"},
            headers=auth(),
        )
        assert r.status_code == 201, r.text
        served = live.app.state.services.searcher
        assert served.store.name == setting
        assert served.store.reports() == sorted([*loaded_index.documents, SUNDSVIK])
        body = {"query": "öppettider biblioteket hösten", "filters": {"municipality": ["Sundsvik"]}}
        top = http.post("/search", json=body).json()["results"][0]["text"]
        assert "Biblioteket i Sundsvik har fått utökade öppettider" in top

        assert http.delete(f"/documents/{SUNDSVIK}", headers=auth()).status_code == 200
        served = live.app.state.services.searcher
        assert served.store.reports() == sorted(loaded_index.documents)
        r = http.post("/search", json={"query": "öppettider biblioteket hösten"})
        assert all(hit["document"]["id"] != SUNDSVIK for hit in r.json()["results"])

        # The store goes down after the index took the upload: the answer says it is saved.
        import service.stores

        def down(*args: object, **kwargs: object) -> None:
            raise StoreUnavailable(f"cannot reach the Milvus store {setting}: down")

        monkeypatch.setattr(service.stores, "make_searcher", down)
        r = http.post(
            "/documents",
            files={"file": ("Sundsvik kultur 2022.md", UPLOAD_TEXT.encode())},
            data={"municipality": "Sundsvik", "year": "2022"},
            headers=auth(),
        )
        assert r.status_code == 503
        assert r.json()["detail"] == (
            f"the change is saved in the index, but cannot reach the Milvus store {setting}: "
            "down; the store is brought up to date at the next start-up or change"
        )
        saved = [p.name for p in live.corpus.iterdir() if "Sundsvik" in p.name]
        assert saved == ["Sundsvik-kultur-2022.md"]
        assert "Sundsvik-kultur-2022.md" in indexed_sources(live.index)

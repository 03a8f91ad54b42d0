"""The running service swaps in a new index atomically: in-flight queries finish on the old
index, every query after the upload's answer sees the new one, and none fails meanwhile."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from writable import API_KEY, UPLOAD_TEXT, auth, writable_server

from eval.loadtest import run_load
from search.retrieval import Searcher


class _Held(Searcher):
    """A searcher whose searches wait until the test lets them go."""

    entered = threading.Event()
    release = threading.Event()

    def search(self, *args, **kwargs):  # type: ignore[override]
        type(self).entered.set()
        assert type(self).release.wait(60)
        return super().search(*args, **kwargs)


def test_in_flight_query_finishes_on_the_old_index_new_ones_see_the_new(
    corpus_copy, corpus_index, loaded_index, encoder, tmp_path: Path
) -> None:
    from indexer.language.analyzer import get_analyzer

    held = _Held(loaded_index, encoder, get_analyzer())
    held.warm_up = lambda: None  # type: ignore[method-assign]
    with (
        writable_server(corpus_copy, corpus_index, tmp_path, held) as w,
        httpx.Client(base_url=w.url, timeout=120) as client,
    ):
        in_flight: dict[str, httpx.Response] = {}
        question = {"query": "öppettider biblioteket Sundsvik", "k": 50}
        t = threading.Thread(
            target=lambda: in_flight.update(r=client.post("/search", json=question))
        )
        t.start()
        assert _Held.entered.wait(30)  # the query holds the old searcher
        r = client.post(
            "/documents", files={"file": ("sundsvik-2022.md", UPLOAD_TEXT)}, headers=auth()
        )
        assert r.status_code == 201, r.text
        # Answered after the swap: served by the new index (not held).
        new = client.post("/search", json=question).json()["results"]
        assert new[0]["document"]["id"] == "sundsvik-2022"
        _Held.release.set()
        t.join(60)
        old = in_flight["r"]
        assert old.status_code == 200
        assert {p["document"]["id"] for p in old.json()["results"]} <= set(
            loaded_index.documents
        )  # the whole answer came from the old index


def test_short_load_with_an_upload_mid_run_has_no_failed_request(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path
) -> None:
    with writable_server(corpus_copy, corpus_index, tmp_path, base_searcher) as w:
        report = run_load(
            w.url,
            clients=4,
            seconds=5,
            api_key=API_KEY,
            upload_after=1.5,
            upload=("lasttest-sundsvik.md", UPLOAD_TEXT.encode()),
        )
        print("\n".join(report.lines()))
        assert report.failures == []
        assert report.upload is not None and report.upload["status"] == 201
        assert report.upload["chunks"] >= 1
        assert len(report.latencies["/search"]) >= 4 and len(report.latencies["/ask"]) >= 4
        assert "p95" in report.lines()[1]
        docs = httpx.get(f"{w.url}/documents").json()
        assert "lasttest-sundsvik" in {d["id"] for d in docs}

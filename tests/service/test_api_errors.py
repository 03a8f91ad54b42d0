"""Every error case: 422 for bad requests, 404 for unknown ids, 503 without an index, and a
500 JSON answer (with a request id, without a traceback) for an unexpected failure."""

from __future__ import annotations

import httpx
import pytest

from search.retrieval import Searcher


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": ""}, "query must not be empty"),
        ({"query": "   \n\t"}, "query must not be empty"),
        ({"query": "x" * 2001}, "query must be at most 2000 characters, got 2001"),
        ({"query": "ekonomi", "k": 0}, "k must be between 1 and 50, got 0"),
        ({"query": "ekonomi", "k": 51}, "k must be between 1 and 50, got 51"),
        ({"query": "ekonomi", "mode": "fuzzy"}, "mode"),
        ({}, "query: field required"),
    ],
)
def test_search_422(api, body, message):
    r = api.post("/search", json=body)
    assert r.status_code == 422
    assert message in r.json()["detail"]
    assert r.json()["request_id"] == r.headers["x-request-id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": " "}, "question must not be empty"),
        ({"question": "y" * 2001}, "at most 2000 characters"),
        ({"question": "ekonomi", "k": 0}, "k must be between 1 and 20, got 0"),
        ({"question": "ekonomi", "k": 21}, "k must be between 1 and 20, got 21"),
    ],
)
def test_ask_422(api, body, message):
    r = api.post("/ask", json=body)
    assert r.status_code == 422
    assert message in r.json()["detail"]


@pytest.mark.parametrize("path", ["/search", "/ask"])
def test_malformed_json(api, path):
    r = api.post(
        path, content=b'{"query": "ekonomi", ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert "malformed JSON" in r.json()["detail"]


def test_unknown_filter_lists_valid_values(api):
    r = api.post("/search", json={"query": "ekonomi", "filters": {"municipality": ["Umeå"]}})
    assert r.status_code == 422
    body = r.json()
    assert "unknown municipality Umeå" in body["detail"]
    assert body["valid"] == {"municipality": ["Eskilstuna", "Krokom", "Köping", "Timrå"]}
    r = api.post("/ask", json={"question": "ekonomi", "filters": {"year": [1999]}})
    assert r.status_code == 422
    assert r.json()["valid"] == {"year": [2019, 2020, 2021, 2023]}
    r = api.post("/search", json={"query": "ekonomi", "filters": {"document_id": ["x"]}})
    assert r.status_code == 422 and "document_id" in r.json()["valid"]
    r = api.post("/search", json={"query": "ekonomi", "filters": {"region": ["x"]}})
    assert r.status_code == 422 and "filters.region: unknown field" in r.json()["detail"]


@pytest.mark.parametrize("path", ["/documents/nope", "/documents/nope/file", "/passages/nope"])
def test_unknown_ids_404(api, path):
    r = api.get(path)
    assert r.status_code == 404
    assert "nope" in r.json()["detail"]


@pytest.mark.slow  # a real server
def test_no_index_503(tmp_path):
    from helpers import LiveServer

    from rapportsok.settings import Settings
    from service.app import create_app

    app = create_app(Settings(index_dir=tmp_path / "no-index", corpus_dir=tmp_path))
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as client:
        r = client.get("/health")
        assert r.status_code == 503
        assert "run `rapportsok index`" in r.json()["detail"]
        for method, path, body in (
            ("POST", "/search", {"query": "ekonomi"}),
            ("POST", "/ask", {"question": "ekonomi"}),
            ("GET", "/documents", None),
            ("GET", "/passages/x", None),
        ):
            r = client.request(method, path, json=body)
            assert r.status_code == 503, path
            assert "rapportsok index" in r.json()["detail"]


class _Broken(Searcher):
    def search(self, *args, **kwargs):  # type: ignore[override]
        raise RuntimeError("secret internal detail")


def test_unexpected_error_is_json_500(loaded_index, encoder, caplog):
    from helpers import LiveServer

    from indexer.language.analyzer import get_analyzer
    from rapportsok.settings import Settings
    from service.app import create_app

    broken = _Broken(loaded_index, encoder, get_analyzer())
    broken.warm_up = lambda: None  # type: ignore[method-assign]
    with (
        LiveServer(create_app(Settings(), searcher=broken)) as live,
        httpx.Client(base_url=live.url) as client,
    ):
        r = client.post("/search", json={"query": "ekonomi"}, headers={"X-Request-ID": "abc-1"})
    assert r.status_code == 500
    body = r.json()
    assert body["request_id"] == "abc-1" == r.headers["x-request-id"]
    assert "secret" not in r.text and "Traceback" not in r.text
    assert any("abc-1" in rec.getMessage() for rec in caplog.records)


def test_thousands_of_bad_filter_values_are_one_short_422(api):
    # 13,000 values that are no year: the count is checked before any value (was 1.17 MB).
    body = '{"query": "ekonomi", "filters": {"year": [' + ",".join(['"x"'] * 13_000) + "]}}"
    assert len(body) == 52_044  # 52 KB, under the 64 KB request limit
    r = api.post("/search", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"] == "filters.year must have at most 50 values, got 13000"
    assert len(r.content) < 150


def test_a_422_names_the_first_five_problems_and_counts_the_rest(api):
    filters = {"year": ["x"] * 50}  # 50 values (the most allowed), none of them a year
    r = api.post("/search", json={"query": "ekonomi", "filters": filters})
    assert r.status_code == 422
    problems = r.json()["detail"].split("; ")
    assert problems == [
        *(
            f"filters.year.{i}: Input should be a valid integer, unable to parse string as an "
            "integer"
            for i in range(5)
        ),
        "and 45 more problems",
    ]
    assert len(r.content) < 600


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "/search",
            {"query": "ekonomi", "filters": []},
            "filters must be a JSON object, got an array",
        ),
        (
            "/ask",
            {"question": "ekonomi", "filters": "x"},
            "filters must be a JSON object, got a string",
        ),
        ("/search", [], "the request body must be a JSON object, got an array"),
        ("/search", "ekonomi", "the request body must be a JSON object, got a string"),
    ],
)
def test_a_value_that_is_no_object_is_named(api, path, body, message):
    r = api.post(path, json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == message

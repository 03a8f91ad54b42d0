"""The interactive API docs work without internet: Swagger UI's files come from the
installed package, and no page of ours names a CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rapportsok.settings import Settings
from service.app import create_app
from service.deps import Services


def test_docs_load_swagger_ui_from_the_server_itself(tmp_path: Path) -> None:
    s = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    with TestClient(create_app(s, services=Services(s))) as client:
        page = client.get("/docs")
        script = client.get("/docs-static/swagger-ui-bundle.js")
        css = client.get("/docs-static/swagger-ui.css")
        redoc = client.get("/redoc")
    assert page.status_code == 200
    assert "/docs-static/swagger-ui-bundle.js" in page.text
    assert "/docs-static/swagger-ui.css" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert script.status_code == 200 and len(script.content) > 500_000
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert redoc.status_code == 404  # ReDoc would load from a CDN: not offered


def test_the_api_docs_state_what_a_query_costs_at_most(tmp_path: Path) -> None:
    s = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    with TestClient(create_app(s, services=Services(s))) as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
    limits = (
        "At most 2,000 characters; its first 128 tokens are embedded and its first 64 "
        "analysed words searched in BM25."
    )
    assert schemas["SearchRequest"]["properties"]["query"]["description"].endswith(limits)
    assert schemas["AskRequest"]["properties"]["question"]["description"].endswith(limits)

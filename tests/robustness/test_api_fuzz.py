"""Fuzz the API from its own OpenAPI schema (schemathesis): no 500s, and every response has a
documented status, content type and body. Uploads run without a configured key (403)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_url(base_searcher, corpus_copy: Path, corpus_index: Path) -> Iterator[str]:
    from helpers import LiveServer

    from rapportsok.settings import Settings
    from service.app import create_app

    app = create_app(
        Settings(index_dir=corpus_index, corpus_dir=corpus_copy, api_key=None),
        searcher=base_searcher,
    )
    with LiveServer(app) as live:
        yield live.url


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation, from the app's own schema (nothing is loaded)."""
    from rapportsok.settings import Settings
    from service.app import create_app

    paths = create_app(Settings()).openapi()["paths"]
    return [(m.upper(), p) for p, ops in paths.items() for m in ops]


@pytest.fixture(scope="module")
def api_schema(fuzz_url: str):
    return schemathesis.openapi.from_url(f"{fuzz_url}/openapi.json")


@pytest.mark.parametrize(("mode", "examples"), [("positive", 25), ("negative", 15)])
@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_conforms_to_its_schema(
    api_schema, method: str, path: str, mode: str, examples: int
) -> None:
    operation = api_schema[path][method]
    strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case) -> None:
        case.call_and_validate(checks=CHECKS)

    try:
        fuzz()
    except Unsatisfiable:
        assert mode == "negative"  # nothing in this operation can be invalid (e.g. any str)


# Odd Unicode the schema's own generator rarely makes: lone surrogates (sent as JSON `\ud800`
# escapes, which a client library cannot encode itself), control characters, and very long
# tokens, in every text field of /search and /ask.
_ODD = st.one_of(
    st.text(alphabet=st.characters(codec=None, categories=None), max_size=80),
    st.sampled_from(["\ud800", "\udfff ekonomi", "a\x00b", "\x1b[31m", "\u202e", "\ufeff"]),
    st.builds(
        lambda w, n: w * n, st.sampled_from(["sjukfrånvaro", "ab", "å"]), st.integers(1, 160)
    ),
)


def _body(path: str, text: str, filters: list[str]) -> bytes:
    field = "query" if path == "/search" else "question"
    # ensure_ascii writes a lone surrogate as its `\\udXXX` escape, as an attacker would.
    return json.dumps({field: text, "filters": {"municipality": filters}}).encode("ascii")


@pytest.mark.parametrize("path", ["/search", "/ask"])
def test_odd_unicode_gives_no_server_error(fuzz_url: str, path: str) -> None:
    import httpx

    with httpx.Client(base_url=fuzz_url, timeout=60) as client:

        @given(text=_ODD, filters=st.lists(_ODD, max_size=3))
        @settings(max_examples=40, deadline=None, derandomize=True, database=None)
        def fuzz(text: str, filters: list[str]) -> None:
            r = client.post(
                path,
                content=_body(path, text, filters),
                headers={"content-type": "application/json"},
            )
            assert r.status_code in (200, 422), r.text
            assert r.json()["request_id"] if r.status_code == 422 else r.json()

        fuzz()

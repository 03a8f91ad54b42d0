"""Fuzz the API from its own OpenAPI schema (schemathesis): no 500s, and every response has a
documented status, content type and body. Uploads run without a configured key (403)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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

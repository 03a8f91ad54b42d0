"""The UI's HTTP client: errors it raises and the report links it builds."""

from __future__ import annotations

import httpx
import pytest
from helpers import free_port

from service.schemas import DocumentInfo
from ui.client import ApiClient, ApiError, ApiUnavailable

DOC = DocumentInfo(id="timra", title="Delårsrapport 2021", file_url="/documents/timra/file")


def test_file_url_is_absolute_and_points_at_the_page() -> None:
    client = ApiClient("http://127.0.0.1:8000/")
    assert client.file_url(DOC) == "http://127.0.0.1:8000/documents/timra/file"
    assert client.file_url(DOC, page=7) == "http://127.0.0.1:8000/documents/timra/file#page=7"
    remote = DOC.model_copy(update={"file_url": "https://example.org/r.pdf"})
    assert client.file_url(remote, 2) == "https://example.org/r.pdf#page=2"


def test_closed_port_raises_api_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ApiUnavailable) as err:
        ApiClient(url, timeout=2).health()
    assert err.value.url == url


def test_timeout_raises_api_unavailable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = ApiClient("http://api", transport=httpx.MockTransport(slow))
    with pytest.raises(ApiUnavailable, match="no answer in time"):
        client.documents()


def test_validation_error_becomes_api_error_with_the_message() -> None:
    def reject(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/ask"
        return httpx.Response(422, json={"detail": [{"msg": "question must not be empty"}]})

    client = ApiClient("http://api", transport=httpx.MockTransport(reject))
    with pytest.raises(ApiError) as err:
        client.ask(" ")
    assert (err.value.status, err.value.detail) == (422, "question must not be empty")


def test_bad_api_url_is_named() -> None:
    with pytest.raises(ValueError, match="got 'localhost:8000'"):
        ApiClient("localhost:8000")

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


def _job(state: str, **extra: object) -> dict[str, object]:
    return {
        "id": "j1",
        "action": "added",
        "filename": "r.txt",
        "state": state,
        "status_url": "/jobs/j1",
        **extra,
    }


CHANGE = {
    "action": "added",
    "document_id": "r",
    "filename": "r.txt",
    "chunks": 3,
    "embedded": 3,
    "documents": 5,
    "total_chunks": 289,
    "seconds": 41.5,
}


def test_an_upload_that_answers_202_is_followed_until_its_job_is_done(monkeypatch) -> None:
    answers = iter(
        [
            httpx.Response(202, json=_job("queued")),
            httpx.Response(200, json=_job("running")),
            httpx.Response(200, json=_job("done", result=CHANGE)),
        ]
    )
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return next(answers)

    monkeypatch.setattr("ui.client.JOB_POLL_SECONDS", 0.0)
    client = ApiClient("http://api.test")
    client._http = httpx.Client(base_url="http://api.test", transport=httpx.MockTransport(handler))
    change = client.upload("r.txt", b"text", "key")
    assert change.total_chunks == 289
    assert seen == ["POST /documents", "GET /jobs/j1", "GET /jobs/j1"]


def test_a_failed_job_is_the_error_its_request_would_have_answered(monkeypatch) -> None:
    answers = iter(
        [
            httpx.Response(202, json=_job("running")),
            httpx.Response(200, json=_job("failed", error={"status": 409, "detail": "busy"})),
        ]
    )
    monkeypatch.setattr("ui.client.JOB_POLL_SECONDS", 0.0)
    client = ApiClient("http://api.test")
    client._http = httpx.Client(
        base_url="http://api.test", transport=httpx.MockTransport(lambda r: next(answers))
    )
    with pytest.raises(ApiError) as err:
        client.delete_document("r", "key")
    assert (err.value.status, err.value.detail) == (409, "busy")

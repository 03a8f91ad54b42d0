"""A small typed HTTP client for the Rapportsök API, used by the web UI.

Responses are parsed into the API's own pydantic models (`service.schemas`), so the UI and
the service share one contract. A connection failure or a timeout raises `ApiUnavailable`;
an error answer from the API raises `ApiError` with the API's message.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urljoin

import httpx

from rapportsok.settings import MB
from service.schemas import (
    AskResponse,
    DocumentChange,
    DocumentInfo,
    DocumentSummary,
    Filters,
    Health,
    JobInfo,
    Mode,
    PassageContext,
    SearchResponse,
    UploadPolicy,
)

UPLOAD_TIMEOUT = 900.0  # indexing a long PDF on a busy machine takes minutes
JOB_POLL_SECONDS = 1.0  # how often the UI asks about a change that answered 202


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class ApiUnavailable(Exception):
    """The API cannot be reached (not started, wrong address, or too slow to answer)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"the API at {url} is unavailable: {reason}")
        self.url = url
        self.reason = reason


class ApiError(Exception):
    """The API answered with an error status; `detail` is its message."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"API error {status}: {detail}")
        self.status = status
        self.detail = detail


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):  # FastAPI validation errors
        return "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return str(detail)


def _filename(disposition: str) -> str | None:
    """The file name of a Content-Disposition header (RFC 6266 `filename*=` first)."""
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename*" and "''" in value:
            return unquote(value.split("''", 1)[1])
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename":
            return value.strip('"') or None
    return None


class ApiClient:
    """Calls the API at `base_url` ('http://127.0.0.1:8000')."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        read_key: str | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"the API URL must start with http:// or https://, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {read_key}"} if read_key else None
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport, headers=headers
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        """A request that cannot reach the API (no answer in time, no connection) raises
        `ApiUnavailable`, which the UI turns into what to do."""
        try:
            yield
        except httpx.TimeoutException as exc:
            raise ApiUnavailable(self.base_url, "no answer in time") from exc
        except httpx.TransportError as exc:
            raise ApiUnavailable(self.base_url, str(exc) or type(exc).__name__) from exc

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The API's response; `ApiError` with its detail for a 4xx or 5xx."""
        with self._reaching():
            response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(response.status_code, _detail(response))
        return response

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._send(method, path, **kwargs).json()

    def health(self) -> Health:
        """GET /health."""
        return Health.model_validate(self._request("GET", "/health"))

    def ask(self, question: str, k: int = 5, filters: Filters | None = None) -> AskResponse:
        """POST /ask: an answer with citations, or why there is none, and the passages."""
        body: dict[str, Any] = {"question": question, "k": k}
        if filters is not None:
            body["filters"] = filters.model_dump(exclude_none=True)
        return AskResponse.model_validate(self._request("POST", "/ask", json=body))

    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid"
    ) -> SearchResponse:
        """POST /search: ranked passages."""
        body: dict[str, Any] = {"query": query, "k": k, "mode": mode}
        if filters is not None:
            body["filters"] = filters.model_dump(exclude_none=True)
        return SearchResponse.model_validate(self._request("POST", "/search", json=body))

    def documents(self) -> list[DocumentSummary]:
        """GET /documents: every indexed report with its outline and passage count."""
        data = self._request("GET", "/documents")
        if isinstance(data, dict):  # tolerate {"documents": [...]}
            data = data.get("documents", [])
        return [DocumentSummary.model_validate(d) for d in data]

    def passage(self, passage_id: str, window: int = 1) -> PassageContext:
        """GET /passages/{id}: a passage with its neighbours in the report."""
        path = f"/passages/{quote(passage_id, safe='')}"
        data = self._request("GET", path, params={"window": window})
        return PassageContext.model_validate(data)

    def upload(
        self,
        filename: str,
        data: bytes,
        api_key: str,
        metadata: dict[str, str] | None = None,
        timeout: float = UPLOAD_TIMEOUT,
    ) -> DocumentChange:
        """POST /documents: store and index a report; waits until it is searchable."""
        fields = {k: v for k, v in (metadata or {}).items() if v}
        data_ = self._request(
            "POST",
            "/documents",
            files={"file": (filename, data)},
            data=fields,
            headers=_bearer(api_key),
            timeout=timeout,
        )
        return self._settle(data_, api_key, timeout)

    def _settle(self, data: Any, api_key: str, timeout: float) -> DocumentChange:
        """The change's result: at once, or, when the API answered 202 with a job (a long
        change), by polling `GET /jobs/{id}` until it is done or failed."""
        if not (isinstance(data, dict) and "state" in data and "status_url" in data):
            return DocumentChange.model_validate(data)
        job = JobInfo.model_validate(data)
        deadline = time.monotonic() + timeout
        while job.state in ("queued", "running"):
            if time.monotonic() > deadline:
                raise ApiUnavailable(self.base_url, "the change is still running")
            time.sleep(JOB_POLL_SECONDS)
            job = JobInfo.model_validate(
                self._request("GET", job.status_url, headers=_bearer(api_key))
            )
        if job.error is not None:
            raise ApiError(job.error.status, job.error.detail)
        if job.result is None:
            raise ApiError(500, "the change ended without a result")
        return job.result

    def delete_document(
        self, doc_id: str, api_key: str, timeout: float = UPLOAD_TIMEOUT
    ) -> DocumentChange:
        """DELETE /documents/{id}: remove a report and re-index without it."""
        path = f"/documents/{quote(doc_id, safe='')}"
        data = self._request("DELETE", path, headers=_bearer(api_key), timeout=timeout)
        return self._settle(data, api_key, timeout)

    def file_bytes(self, document: DocumentInfo) -> bytes:
        """The original report file, fetched through the API (the UI hands it on from its
        own host, so readers never need to reach the API)."""
        if document.file_url.startswith(("http://", "https://")):
            raise ValueError(f"the report {document.id!r} is not served by this API")
        return self._send("GET", document.file_url).content

    def file_head(self, document: DocumentInfo) -> tuple[str, str]:
        """(file name, media type) of the original report, from the response headers only
        (the body is not read)."""
        with self._reaching(), self._http.stream("GET", document.file_url) as response:
            if response.status_code >= 400:
                response.read()
                raise ApiError(response.status_code, _detail(response))
            disposition = response.headers.get("content-disposition", "")
            media = response.headers.get("content-type", "application/octet-stream")
        name = _filename(disposition) or document.id
        return name, media.split(";")[0].strip()

    def upload_policy(self) -> UploadPolicy | None:
        """GET /uploads: whether uploads are on and the size limit (None from an API that
        is older than that route)."""
        try:
            data = self._request("GET", "/uploads")
        except ApiError as exc:
            if exc.status in (404, 405):
                return None
            raise
        if isinstance(data, dict) and "max_bytes" not in data and "max_mb" in data:
            data["max_bytes"] = data["max_mb"] * MB  # an older API: its MB was 1024 × 1024 too
        return UploadPolicy.model_validate(data)

    def file_url(self, document: DocumentInfo, page: int | None = None) -> str:
        """Absolute URL of the original report, at `page` (PDF viewers honour '#page=N')."""
        url = (
            urljoin(self.base_url + "/", document.file_url.lstrip("/"))
            if not document.file_url.startswith(("http://", "https://"))
            else document.file_url
        )
        return f"{url}#page={page}" if page is not None else url

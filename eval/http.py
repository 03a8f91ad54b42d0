"""A `Backend` that evaluates a running Rapportsök server over HTTP (`--against URL`).

Latency is the client's wall-clock time per request. The server caches query vectors, so
a question asked in a second embedding mode (or in a repeated run) skips the embedding.
"""

from __future__ import annotations

from typing import Any

import httpx

from eval.runner import AskOutcome, Mode, Passage


class HttpError(RuntimeError):
    """The server answered with an error status or not at all."""


class HttpBackend:
    """POST /search and POST /ask of the server at `url`."""

    def __init__(self, url: str, timeout: float = 60.0, client: httpx.Client | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self.name = self.url
        self._client = client or httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> HttpBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _json(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        unreachable: str | None = None,
    ) -> dict[str, Any]:
        try:
            r = self._client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            what = unreachable or f"{self.url}{path} did not answer"
            raise HttpError(f"{what}: {exc}") from exc
        if r.status_code != 200:
            raise HttpError(f"{self.url}{path} answered {r.status_code}: {r.text[:300]}")
        data: dict[str, Any] = r.json()
        return data

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json("POST", path, body)

    def check(self) -> dict[str, Any]:
        """GET /health: the server is up and has an index (else `HttpError`)."""
        return self._json("GET", "/health", unreachable=f"no Rapportsök server at {self.url}")

    def search(self, query: str, k: int, mode: Mode) -> list[Passage]:
        """POST /search (see `eval.runner.Backend.search`)."""
        body = self._post("/search", {"query": query, "k": k, "mode": mode})
        return [Passage(p["document"]["id"], p["text"]) for p in body["results"]]

    def ask(self, question: str, k: int) -> AskOutcome:
        """POST /ask (see `eval.runner.Backend.ask`)."""
        body = self._post("/ask", {"question": question, "k": k})
        scope = tuple(r["document"]["id"] for r in body.get("comparison") or [])
        if not body["answered"]:
            return AskOutcome(False, [], [], scope=scope)
        passages = {p["id"]: Passage(p["document"]["id"], p["text"]) for p in body["passages"]}
        cited = [
            passages[c["passage_id"]] for c in body["citations"] if c["passage_id"] in passages
        ]
        compared = tuple(
            r["document"]["id"] for r in body.get("comparison") or [] if r.get("answer")
        )
        quotes = [c["quote"] for c in body["citations"]]
        return AskOutcome(True, quotes, cited, body.get("answer") or "", compared, scope)

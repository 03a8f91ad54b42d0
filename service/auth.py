"""API keys: `RAPPORTSOK_API_KEY` guards the endpoints that change the index, and an optional
`RAPPORTSOK_READ_KEY` guards the read endpoints. Both are sent as `Authorization: Bearer …`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.deps import ServicesDep

UPLOADS_DISABLED = "uploads are disabled: set RAPPORTSOK_API_KEY to enable them"

_bearer = HTTPBearer(
    auto_error=False,
    description="The API key (`RAPPORTSOK_API_KEY`), or "
    "the read key (`RAPPORTSOK_READ_KEY`) for the read endpoints.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _matches(sent: HTTPAuthorizationCredentials | None, *keys: str | None) -> bool:
    """Constant-time comparison of the bearer token with each configured key."""
    token = sent.credentials.encode() if sent is not None else b""
    ok = False
    for key in keys:
        if key:  # compare with every key, so the time does not tell which one matched
            ok |= hmac.compare_digest(token, key.encode())
    return ok


def _unauthorized(what: str) -> HTTPException:
    return HTTPException(
        401, f"{what}: send `Authorization: Bearer <key>`", headers={"WWW-Authenticate": "Bearer"}
    )


def require_api_key(services: ServicesDep, sent: BearerDep) -> None:
    """403 when no API key is configured (uploads disabled), 401 for a missing or wrong key."""
    key = services.settings.api_key
    if not key:
        raise HTTPException(403, UPLOADS_DISABLED)
    if not _matches(sent, key):
        raise _unauthorized("a valid API key is required to change the reports")


def require_read_key(services: ServicesDep, sent: BearerDep) -> None:
    """Open unless `read_key` is configured; then the read key (or the API key) is needed."""
    settings = services.settings
    if settings.read_key and not _matches(sent, settings.read_key, settings.api_key):
        raise _unauthorized("a valid read key is required")

"""Each expected error's HTTP status, in one table, and the handler that answers with it.

Routes let a `RapportsokError` propagate; the handler turns it into the JSON error body
(`detail`, `request_id`) with the status of its most specific class in `STATUS`.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from rapportsok.errors import (
    BadFile,
    BadMetadata,
    Duplicate,
    IndexBusy,
    IndexProblem,
    NameTaken,
    NotIndexable,
    RapportsokError,
    TooLarge,
    UnknownFilterValue,
    UnknownReport,
    UnreadableReport,
    UpdateBusy,
    UploadRefused,
)

# Most specific first: the first class an error is an instance of gives its status.
STATUS: list[tuple[type[RapportsokError], int]] = [
    (TooLarge, 413),
    (BadFile, 415),
    (BadMetadata, 422),
    (Duplicate, 409),
    (NameTaken, 409),
    (NotIndexable, 422),
    (UnknownReport, 404),
    (UploadRefused, 422),
    (UpdateBusy, 409),
    (IndexBusy, 409),
    (UnknownFilterValue, 422),
    (UnreadableReport, 422),
    (IndexProblem, 503),
    (RapportsokError, 500),
]


def status_of(exc: RapportsokError) -> int:
    """The HTTP status for `exc` (the first matching row of `STATUS`)."""
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def error_response(request: Request, status: int, detail: object, **extra: object) -> JSONResponse:
    """The JSON error body every error of the API has: `detail` and the request's id."""
    rid = getattr(request.state, "request_id", None)
    return JSONResponse({"detail": detail, "request_id": rid, **extra}, status_code=status)


async def rapportsok_error(request: Request, exc: RapportsokError) -> JSONResponse:
    """Answer an expected error with its status; an unknown filter also lists valid values."""
    extra = {"valid": {exc.name: exc.valid}} if isinstance(exc, UnknownFilterValue) else {}
    return error_response(request, status_of(exc), str(exc), **extra)

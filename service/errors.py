"""Each expected error's HTTP status, in one table, and the handlers that answer with it.

Routes let a `RapportsokError` propagate; the handler turns it into the JSON error body
(`detail`, `request_id`) with the status of its most specific class in `STATUS`. A request
that fails validation gets a 422 naming its first few problems and counting the rest.
"""

from __future__ import annotations

import errno
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
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

# A 422 names this many problems and counts the rest: a 64 KB body of thousands of bad
# values answers in a few hundred bytes, not a megabyte.
MAX_REPORTED_ERRORS = 5

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


# A full disk (or quota) is no fault of the request and no bug: 507, said in both languages.
DISK_FULL = (
    "Disken är full: inget sparades och inget ändrades; frigör utrymme och försök igen. "
    "(The disk is full: nothing was saved or changed; free some space and try again.)"
)
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def disk_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from, is an out-of-space `OSError`."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


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


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one readable line per problem ("query: must not be empty"), the first
    `MAX_REPORTED_ERRORS` of them and a count of the rest."""
    errors = exc.errors()
    lines = [readable(e) for e in errors[:MAX_REPORTED_ERRORS]]
    rest = len(errors) - len(lines)
    if rest:
        lines.append(f"and {rest} more problem{'s' if rest > 1 else ''}")
    return error_response(request, 422, "; ".join(lines))


def readable(error: dict[str, Any]) -> str:
    """A pydantic error as `field: message` (malformed JSON says so)."""
    loc = [str(x) for x in error.get("loc", ()) if x != "body"]
    msg = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if loc and msg.startswith((f"{loc[-1]} ", f"{'.'.join(loc)} ")):
        return msg  # our validators name the field already: "k must be between 1 and 50"
    if error.get("type") == "json_invalid":
        ctx = error.get("ctx", {}) or {}
        return f"malformed JSON body: {ctx.get('error', msg)}"
    if error.get("type") in ("model_attributes_type", "model_type", "dict_type"):
        got = _json_kind(error.get("input"))
        if loc:  # `filters: []`: that field, not the body
            return f"{'.'.join(loc)} must be a JSON object, got {got}"
        return f"the request body must be a JSON object, got {got}"
    if error.get("type") == "missing" and loc:
        return f"{'.'.join(loc)}: field required"
    if error.get("type") == "extra_forbidden" and loc:
        return f"{'.'.join(loc)}: unknown field"
    return f"{'.'.join(loc)}: {msg}" if loc else msg


def _json_kind(value: object) -> str:
    """What a JSON value is, in words: 'an array', 'a string', ..."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else "another kind of value"

"""One place that turns exceptions into one-line messages for people."""

from __future__ import annotations

from indexer.models import UnreadableReport
from indexer.store import IndexProblem

_EXPECTED = (IndexProblem, UnreadableReport, ValueError, FileNotFoundError, ImportError,
             PermissionError)


def user_error(exc: BaseException) -> str:
    """A one-line message for `exc`; unexpected errors say how to see the details."""
    if isinstance(exc, _EXPECTED):
        return str(exc)
    return f"{type(exc).__name__}: {exc} (run with -v for the details)"

"""Every error Rapportsök expects, under one base, in one place.

A `RapportsokError`'s message is meant for people: the CLI prints it as one line and the
API returns it as the `detail` of the status that `service.errors.STATUS` gives its class.
Anything else that escapes is a bug (the CLI says to rerun with -v; the API answers a 500
with a request id).
"""

from __future__ import annotations

from typing import Any


class RapportsokError(Exception):
    """Base of the errors we expect; the message names the problem and the way out."""


# ---- reading reports ----------------------------------------------------------------------


class UnreadableReport(RapportsokError):
    """A report that cannot be read; the message says why (shown to the user)."""


class MissingDictionaryError(RapportsokError, FileNotFoundError):
    """The Swedish hunspell word list (package `hunspell-sv`) is not installed."""


# ---- the index on disk --------------------------------------------------------------------


class IndexProblem(RapportsokError):
    """Base of index problems; the message is meant for the user."""


class IndexMissing(IndexProblem):
    """No index at the configured folder."""


class IndexCorrupt(IndexProblem):
    """An index folder that cannot be loaded (missing or damaged files)."""


class EncoderMismatch(IndexProblem):
    """The index was built with another encoder than the configured one."""


class IndexBusy(IndexProblem):
    """Another build of the same index is running."""


class StoreUnavailable(IndexProblem):
    """The configured store (`RAPPORTSOK_STORE`: a Milvus server, milvus-lite) cannot be
    used: its package is not installed or it cannot be reached."""


# ---- searching ----------------------------------------------------------------------------


class UnknownFilterValue(RapportsokError, ValueError):
    """A filter names a value no report has; `valid` lists the values that exist."""

    SHOWN = 5  # unknown values named in the message; the rest are counted

    def __init__(self, name: str, unknown: list[Any], valid: list[Any]) -> None:
        self.name, self.unknown, self.valid = name, unknown, valid
        shown = ", ".join(map(str, unknown[: self.SHOWN]))
        if len(unknown) > self.SHOWN:
            shown += f" and {len(unknown) - self.SHOWN} more ({len(unknown)} unknown values)"
        super().__init__(f"unknown {name} {shown}; valid values: {', '.join(map(str, valid))}")


# ---- changing the corpus (uploads and removals) ---------------------------------------------


class UploadRefused(RapportsokError):
    """An upload or removal that is refused; the message is shown to the user."""


class TooLarge(UploadRefused):
    """The file is over the configured size limit."""


class BadFile(UploadRefused):
    """Not a file type we read, or content that does not match its type."""


class BadMetadata(UploadRefused):
    """A metadata field with an invalid value."""


class NameTaken(UploadRefused):
    """Another report already has this file name or document id."""


class Duplicate(UploadRefused):
    """The same content is already in the corpus under another name."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"duplicate of {doc_id}: this report is already indexed")
        self.doc_id = doc_id


class NotIndexable(UploadRefused):
    """The file was stored but the indexer could not read it (it is removed again)."""


class UnknownReport(UploadRefused):
    """No report with that id."""


class UpdateBusy(RapportsokError):
    """Another build of the same index (e.g. `rapportsok index`) is running."""

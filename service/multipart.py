"""Upload forms read strictly: a file name or a field that is not valid UTF-8 is refused.

Starlette decodes a multipart part's name and values as UTF-8 and, when that fails, as
Latin-1: a report named in another encoding was stored under a mojibake name ("Ã¥rsredo…")
that no one typed. `read_form` reads the same form but refuses such a part with
`NotUtf8`, naming it; what the bytes were meant to say is not guessed.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import parse_options_header


class NotUtf8(MultiPartException):
    """A part's file name or value is not valid UTF-8."""


class _StrictParser(MultiPartParser):
    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        for key in (b"name", b"filename"):
            if key in options and not _utf8(options[key]):
                what = "file name" if key == b"filename" else "field name"
                raise NotUtf8(
                    f"the {what} is not valid UTF-8; send it UTF-8 encoded "
                    "(filnamnet är inte giltig UTF-8)"
                )
        super().on_headers_finished()

    def on_part_end(self) -> None:
        if self._current_part.file is None and not _utf8(bytes(self._current_part.data)):
            raise NotUtf8(
                f"{self._current_part.field_name}: not valid UTF-8; send the form's fields "
                "UTF-8 encoded"
            )
        super().on_part_end()


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def read_form(request: Request, max_files: int, max_fields: int) -> FormData:
    """The request's form: a multipart body read strictly (see the module docstring), any
    other body as Starlette reads it (an upload without a multipart body has no file)."""
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        return await request.form(max_files=max_files, max_fields=max_fields)
    parser = _StrictParser(
        request.headers, request.stream(), max_files=max_files, max_fields=max_fields
    )
    return await parser.parse()

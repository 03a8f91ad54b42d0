"""Read one report file (PDF, plain text or Markdown) into a `Source`."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from indexer.models import Source
from indexer.reading.pdf import read_pdf
from rapportsok.errors import UnreadableReport

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def read_report(path: Path) -> Source:
    """Read a report, dispatching on its suffix; raises `UnreadableReport` saying why not."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableReport(
            f"{path.name}: unsupported file type {suffix or '(no suffix)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if not path.is_file():
        raise UnreadableReport(f"{path.name}: not found or not a file ({path})")
    if suffix == ".pdf":
        return read_pdf(path)
    return read_text(path)


def read_text(path: Path) -> Source:
    """Read a plain text or Markdown report; the text is kept as is but for newlines and
    the Markdown that would otherwise reach a quote (see `strip_markdown`).

    UTF-8 (with or without BOM) first, UTF-16 when it has a BOM, else Windows-1252, the
    usual encoding of older Swedish Windows exports (å ä ö are single bytes there).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableReport(f"{path.name}: cannot open file ({exc.strerror})") from exc
    if not data:
        raise UnreadableReport(f"{path.name}: empty file (0 bytes)")
    text = decode_text(data, path.name)
    text = strip_markdown(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise UnreadableReport(f"{path.name}: the file contains only whitespace")
    return Source(text=text, markup="markdown" if path.suffix.lower() == ".md" else "text")


def strip_markdown(text: str) -> str:
    """Markdown that is no text of the report, removed: image markup with its alt text
    (`![Omslag …](/bilder/omslag.jpg)`) and backslash escapes (`\\_\\_\\_` → `___`,
    `\\*` → `*`). Citations quote the text this returns."""
    text = _MD_IMAGE.sub("", text)
    return _MD_ESCAPE.sub(r"\1", text)


def decode_text(data: bytes, name: str) -> str:
    """The text of a report's bytes (see `read_text`); `UnreadableReport` for binary data."""
    text = _decode(data, name)
    if "\x00" in text:
        raise UnreadableReport(f"{name}: binary content, not a text file")
    return text


def text_charset(data: bytes) -> str:
    """The charset `decode_text` reads `data` in, as an HTTP `charset` parameter names it:
    "utf-8" (with or without BOM), "utf-16" (with BOM), else "windows-1252"."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableReport(f"{name}: invalid UTF-16 text ({exc.reason})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableReport(
            f"{name}: not a text file (neither UTF-8 nor Windows-1252 text)"
        ) from exc

"""Uploaded report files: checked by content, given a safe name, stored in the corpus folder
atomically, with their optional metadata in the corpus's `catalogue.toml`.

Everything here raises `UploadRefused` (a subclass saying why); `service/admin.py` turns it
into an HTTP status.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from indexer.reading.metadata import CATALOGUE_NAME, doc_id_for
from indexer.reading.sources import SUPPORTED_SUFFIXES, decode_text
from rapportsok.errors import BadFile, BadMetadata, Duplicate, NameTaken, TooLarge, UnreadableReport
from rapportsok.settings import MB

METADATA_FIELDS = (
    "title",
    "organisation",
    "municipality",
    "organ",
    "report_type",
    "year",
    "period",
)
# File systems limit a name to 255 bytes, not characters: "漢" is 3 bytes in UTF-8, "å" 2.
# The stem is cut to whole characters within this many bytes, leaving room for the suffix
# and for the `.removing-` prefix a deletion gives the file (see `service/journal.py`).
_MAX_NAME_BYTES = 120
_MIN_YEAR, _MAX_YEAR = 1900, 2100
_MAX_METADATA_CHARS = 300  # a title, municipality, organ, report type or period


def safe_name(filename: str) -> str:
    """A file name that is safe to store in the corpus folder: the base name only (no
    folders, no `..`), letters, digits, `.`, `_` and `-`, not hidden, a supported suffix.

    'C:\\\\x\\\\..\\\\Årsredovisning 2023 (slutlig).PDF' → 'Årsredovisning-2023-slutlig.pdf'
    """
    base = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    if suffix not in SUPPORTED_SUFFIXES:
        raise BadFile(
            f"unsupported file type {suffix or '(no suffix)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-_")
    stem = _cut_bytes(stem, _MAX_NAME_BYTES).strip(".-_") or "rapport"
    return stem + suffix


def _cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` that is at most `limit` bytes in UTF-8 (whole characters)."""
    return text.encode("utf-8", "ignore")[:limit].decode("utf-8", "ignore")


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse an empty or too large file, and content that does not match its suffix:
    a PDF must start with the PDF magic bytes, a text file must decode as text."""
    if len(data) > max_bytes:
        raise TooLarge(f"the file is {len(data) / MB:.1f} MB, the limit is {max_bytes / MB:.0f} MB")
    if not data:
        raise BadFile("the file is empty (0 bytes)")
    is_pdf = data[:1024].lstrip().startswith(b"%PDF-")
    if name.lower().endswith(".pdf"):
        if not is_pdf:
            raise BadFile(f"{name} is not a PDF (it does not start with %PDF-)")
        return
    if is_pdf:
        raise BadFile(f"{name} is a PDF; upload it with the suffix .pdf")
    if not _decodes(data):
        raise BadFile(f"{name} is not a text file (neither UTF-8, UTF-16 nor Windows-1252 text)")


def _decodes(data: bytes) -> bool:
    """Text as `indexer.reading.sources` reads it (UTF-8, UTF-16 with BOM, else Windows-1252;
    no NUL)."""
    try:
        decode_text(data, "upload")
    except UnreadableReport:
        return False
    return True


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_conflicts(corpus: Path, name: str, digest: str, indexed: dict[str, str]) -> None:
    """Refuse a file whose content is already in the corpus, or whose name or document id
    belongs to another report (no report is ever overwritten by an upload).

    `indexed` (file name → sha256 of the published index) decides what is said: only a
    report the index holds is a "duplicate"; the same content in a file the index does not
    hold (one the indexer could not read, or one put in the folder by hand) is named."""
    from indexer.build import corpus_files, sha256_file

    new_id = doc_id_for(Path(name))
    files = corpus_files(corpus) if corpus.is_dir() else []
    for path in files:
        if sha256_file(path) == digest:
            if indexed.get(path.name) == digest:
                raise Duplicate(doc_id_for(path))
            raise NameTaken(
                f"the same content is stored as {path.name}, which is not indexed (it could "
                "not be read, or was put in the corpus folder by hand); remove that file first"
            )
    for path in files:
        if path.name == name or doc_id_for(path) == new_id:
            raise NameTaken(
                f"another report is already stored as {path.name} (id "
                f"{doc_id_for(path)}); delete it first or rename the file"
            )


def store_file(corpus: Path, name: str, data: bytes) -> Path:
    """Write `data` to `corpus/name` atomically: a hidden temp file (the indexer skips hidden
    files), flushed to disk, then renamed into place."""
    corpus.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        target = corpus / name
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


SOFT_HYPHEN = "\u00ad"


def clean_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The given metadata fields, stripped, empty ones dropped; `year` an integer.

    Each field is one line of text: control characters (a newline would start a new TOML
    key in the catalogue, U+0000 and U+007F are not allowed in TOML at all) and text that
    is not valid Unicode are refused."""
    out: dict[str, Any] = {}
    for key in METADATA_FIELDS:
        value = metadata.get(key)
        if value is None or not str(value).strip():
            continue
        # A soft hyphen (pasted from a PDF: "kommun\u00adstyrelsen") is a hint where a word
        # may break, invisible and no character of the name: dropped, not refused.
        value = str(value).replace(SOFT_HYPHEN, "").strip()
        _check_line(key, value)
        if key == "year":
            if not re.fullmatch(r"\d{4}", value):
                raise BadMetadata(f"year must be a four-digit year, got {value!r}")
            if not _MIN_YEAR <= int(value) <= _MAX_YEAR:
                raise BadMetadata(
                    f"year must be between {_MIN_YEAR} and {_MAX_YEAR}, got {int(value)}"
                )
            out[key] = int(value)
        else:
            if len(value) > _MAX_METADATA_CHARS:
                raise BadMetadata(
                    f"{key} must be at most {_MAX_METADATA_CHARS} characters, got {len(value)}"
                )
            out[key] = value
    return out


def _check_line(key: str, value: str) -> None:
    """Refuse a control character (Unicode category Cc), an invisible format character (Cf:
    bidi overrides such as U+202E that make a title read backwards, zero-width U+200B, the
    BOM), a non-character (U+FFFF, U+FDD0) or a lone surrogate in a field."""
    for char in value:
        category = unicodedata.category(char)
        code = f"U+{ord(char):04X}"
        if category == "Cc":
            raise BadMetadata(f"{key} must not contain control characters ({code})")
        if category == "Cf":
            raise BadMetadata(
                f"{key} must not contain invisible formatting characters such as bidi "
                f"controls or zero-width spaces ({code})"
            )
        if _is_noncharacter(ord(char)):
            raise BadMetadata(f"{key} must not contain Unicode non-characters ({code})")
        if category == "Cs":
            raise BadMetadata(f"{key} must be valid Unicode text ({code})")


def _is_noncharacter(code: int) -> bool:
    """The 66 code points Unicode reserves as never text: U+FDD0..U+FDEF and the last two of
    every plane (U+FFFE, U+FFFF, U+1FFFE, ...)."""
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def _entry_re(name: str) -> re.Pattern[str]:
    """The `[reports."name"]` table of the catalogue, up to the next table."""
    return re.compile(rf'(?ms)^\[reports\."{re.escape(name)}"\]\n.*?(?=^\[|\Z)')


def set_catalogue_entry(corpus: Path, name: str, metadata: dict[str, Any]) -> None:
    """Add (or replace) the catalogue entry of `name`; comments of the file are kept."""
    path = corpus / CATALOGUE_NAME
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    text = _entry_re(name).sub("", text)
    if metadata:
        # JSON strings are valid TOML basic strings (same escapes); names are safe_name()s.
        lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in metadata.items()]
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "")
        text += f'[reports."{name}"]\n' + "\n".join(lines) + "\n"
    _write_atomic(path, text)


def remove_catalogue_entry(corpus: Path, name: str) -> None:
    """Drop the catalogue entry of `name`, if any."""
    path = corpus / CATALOGUE_NAME
    if path.exists():
        text = path.read_text(encoding="utf-8")
        new = _entry_re(name).sub("", text)
        if new != text:
            _write_atomic(path, new.rstrip("\n") + "\n")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

"""A full disk is a 507 that says so, in Swedish and English, and changes nothing: the
corpus and the index keep the reports they had, and the same upload works once there is
room again."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import httpx
import pytest
from writable import UPLOAD_TEXT, auth, writable_server

from service import uploads
from service.errors import DISK_FULL, disk_full
from service.writer import Failure, failure_of


def test_an_out_of_space_error_is_a_507_however_deep_it_was_raised() -> None:
    full = OSError(errno.ENOSPC, "No space left on device")
    try:
        try:
            raise full
        except OSError as exc:
            raise RuntimeError("the segment could not be written") from exc
    except RuntimeError as wrapped:
        assert disk_full(wrapped)
        assert failure_of(wrapped) == Failure(507, DISK_FULL)
    assert not disk_full(OSError(errno.EACCES, "Permission denied"))
    assert failure_of(OSError(errno.EACCES, "x")).status == 500


def _upload(url: str) -> httpx.Response:
    return httpx.post(
        f"{url}/documents",
        files={"file": ("Sundsvik full.md", UPLOAD_TEXT.encode())},
        headers=auth(),
        timeout=300,
    )


@pytest.mark.slow
def test_an_upload_on_a_full_disk_is_refused_507_and_changes_nothing(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store = uploads.store_file

    def half_written(corpus: Path, name: str, data: bytes) -> Path:
        # the disk fills in the middle of the file, as os.write would report it
        fd = os.open(corpus / f".upload-{name}.part", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, data[: len(data) // 2])
        os.close(fd)
        (corpus / f".upload-{name}.part").unlink()
        raise OSError(errno.ENOSPC, "No space left on device")

    with writable_server(corpus_copy, corpus_index, tmp_path, base_searcher) as w:
        before = sorted(p.name for p in (tmp_path / "corpus").iterdir())
        docs = httpx.get(f"{w.url}/documents").json()
        monkeypatch.setattr(uploads, "store_file", half_written)
        r = _upload(w.url)
        assert r.status_code == 507, r.text
        assert r.json()["detail"] == DISK_FULL
        assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == before
        assert httpx.get(f"{w.url}/documents").json() == docs
        monkeypatch.setattr(uploads, "store_file", real_store)
        again = _upload(w.url)
        assert again.status_code == 201, again.text

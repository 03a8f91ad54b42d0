"""Upload forms are read strictly: a file name or metadata field that is not valid UTF-8
is a 422 that says so, never a report stored under a Latin-1 guess."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rapportsok.settings import Settings
from service.app import create_app
from service.deps import Services

BOUNDARY = "rapportsokgrans"


def _multipart(filename: bytes, title: bytes = b"Delarsrapport") -> bytes:
    return b"".join(
        [
            f"--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="title"\r\n\r\n' + title + b"\r\n",
            f"--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n',
            b"Content-Type: text/plain\r\n\r\n",
            "Rubrik\n\nKommunen redovisar ett överskott.\n".encode(),
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
    )


def _post(tmp_path: Path, body: bytes) -> tuple[int, str]:
    s = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus", api_key="nyckel")
    with TestClient(create_app(s, services=Services(s))) as client:
        r = client.post(
            "/documents",
            content=body,
            headers={
                "Authorization": "Bearer nyckel",
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            },
        )
    return r.status_code, r.json()["detail"]


def test_a_file_name_in_latin_1_is_refused_naming_the_problem(tmp_path: Path) -> None:
    status, detail = _post(tmp_path, _multipart("Årsredovisning Håbo.txt".encode("latin-1")))
    assert status == 422
    assert detail == (
        "the file name is not valid UTF-8; send it UTF-8 encoded (filnamnet är inte giltig UTF-8)"
    )
    assert not (tmp_path / "corpus").exists() or not list((tmp_path / "corpus").iterdir())


def test_a_metadata_field_in_latin_1_is_refused_naming_the_field(tmp_path: Path) -> None:
    body = _multipart(b"rapport.txt", title="Delårsrapport".encode("latin-1"))
    status, detail = _post(tmp_path, body)
    assert status == 422
    assert detail == "title: not valid UTF-8; send the form's fields UTF-8 encoded"


def test_a_soft_hyphen_pasted_into_a_title_is_dropped_not_refused() -> None:
    from service.uploads import clean_metadata

    assert clean_metadata({"organ": "Kommun\u00adstyrelsen", "title": " Del\u00adårs "}) == {
        "organ": "Kommunstyrelsen",
        "title": "Delårs",
    }

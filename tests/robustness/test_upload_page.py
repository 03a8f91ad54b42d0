"""The UI's "Lägg till rapport" page (Streamlit AppTest) against a real writable API: the key
is entered in the page, the report is indexed, and refusals are explained in Swedish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest
from writable import API_KEY, UPLOAD_TEXT, Writable, writable_server

from rapportsok.settings import get_settings

APP_FILE = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")


@pytest.fixture(scope="module")
def live(
    corpus_copy: Path, corpus_index: Path, base_searcher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Writable]:
    # A 1 MB limit (1,048,576 bytes), so that files on either side of it stay small.
    with writable_server(
        corpus_copy,
        corpus_index,
        tmp_path_factory.mktemp("ui-writable"),
        base_searcher,
        max_upload_mb=1,
    ) as w:
        yield w


@pytest.fixture
def page(live: Writable, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("RAPPORTSOK_API_URL", live.url)
    get_settings.cache_clear()
    at = AppTest.from_file(APP_FILE, default_timeout=120).run()
    at.radio(key="view").set_value("Lägg till rapport").run()
    yield at
    get_settings.cache_clear()


def _send(at: AppTest, key: str, name: str | None, data: bytes = b"", **meta: str) -> AppTest:
    at.text_input(key="api_key").input(key)
    if name is not None:
        at.file_uploader(key="rapportfil").upload(name, data, "application/octet-stream")
    for field, value in meta.items():
        at.text_input(key=f"meta_{field}").input(value)
    [button] = [b for b in at.button if b.label == "Lägg till"]
    return button.click().run()


def test_upload_page_indexes_the_report_and_shows_the_result(page: AppTest, live: Writable) -> None:
    assert [h.value for h in page.header] == ["Lägg till rapport"]
    from streamlit.proto.TextInput_pb2 import TextInput as TextInputProto

    assert page.text_input(key="api_key").proto.type == TextInputProto.PASSWORD
    at = _send(
        page,
        API_KEY,
        "Sundsvik kultur 2023.md",
        UPLOAD_TEXT.encode() + b"\n2023",
        municipality="Sundsvik",
        year="2023",
    )
    assert not at.exception and not at.error
    [success] = at.success
    assert "**sundsvik-kultur-2023** lades till och går att söka i nu" in success.value
    assert "stycken indexerades" in success.value and "Sökindexet har 5 rapporter" in success.value
    doc = httpx.get(f"{live.url}/documents/sundsvik-kultur-2023").json()
    assert (doc["municipality"], doc["year"]) == ("Sundsvik", 2023)
    # The same report again: refused as a duplicate, explained in Swedish.
    at = _send(at, API_KEY, "kopia.md", UPLOAD_TEXT.encode() + b"\n2023")
    [error] = at.error
    assert "finns redan i sökindexet (samma innehåll som **sundsvik-kultur-2023**)" in error.value
    assert any("duplicate of sundsvik-kultur-2023" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("key", "name", "data", "message"),
    [
        ("fel-nyckel", "ny.txt", b"Text om budgeten.", "Fel API-nyckel"),
        (API_KEY, "trasig.pdf", b"%PDF-1.7\n%%EOF x", "Rapporten kunde inte läsas in"),
        (API_KEY, "falsk.pdf", b"bara text", "innehållet måste stämma med filtypen"),
    ],
)
def test_refusals_are_explained_in_swedish(
    page: AppTest, key: str, name: str, data: bytes, message: str
) -> None:
    at = _send(page, key, name, data)
    assert not at.exception and not at.success
    [error] = at.error
    assert message in error.value


def test_key_and_file_are_asked_for(page: AppTest) -> None:
    at = _send(page, "", None)
    assert [w.value for w in at.warning] == ["Ange API-nyckeln för att ladda upp."]
    at = _send(at, API_KEY, None)
    assert [w.value for w in at.warning] == ["Välj en fil att ladda upp."]


def test_the_page_checks_the_size_in_the_servers_megabytes(page: AppTest) -> None:
    # 1,040,000 bytes is over 1,000,000 but under the server's 1 MB (1,048,576 bytes): the
    # page sends it, and the server refuses it for its content, not for its size.
    at = _send(page, API_KEY, "falsk.pdf", b"x" * 1_040_000)
    [error] = at.error
    assert "innehållet måste stämma med filtypen" in error.value
    # Over the server's limit: refused by the page, nothing sent.
    at = _send(at, API_KEY, "stor.pdf", b"x" * 1_200_000)
    [error] = at.error
    assert error.value.startswith("Filen är 1.2 MB; sökservern tar emot högst 1 MB.")
    assert not at.status  # "Laddar upp …" shows only while a file is sent

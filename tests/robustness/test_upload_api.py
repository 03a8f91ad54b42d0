"""POST /documents and DELETE /documents/{id} through a real server: the API key, the checks
on uploaded files, incremental indexing and the new index served at once."""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx
import pytest
from writable import API_KEY, UPLOAD_TEXT, Writable, auth, writable_server

from indexer.reading.metadata import CATALOGUE_NAME

TIMRA = "timra-kommunstyrelsen-delarsrapport-2021.txt"


def _upload(
    http: httpx.Client, name: str, data: bytes, key: str | None = API_KEY, **meta: str
) -> httpx.Response:
    headers = auth(key) if key else {}
    return http.post("/documents", files={"file": (name, data)}, data=meta, headers=headers)


def _documents(http: httpx.Client) -> list[str]:
    return [d["id"] for d in http.get("/documents").json()]


def test_uploads_are_disabled_without_a_configured_key(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path
) -> None:
    with (
        writable_server(corpus_copy, corpus_index, tmp_path, base_searcher, api_key=None) as w,
        httpx.Client(base_url=w.url) as client,
    ):
        for key in (None, API_KEY):
            r = _upload(client, "ny.txt", b"Text.", key=key)
            assert r.status_code == 403
            assert r.json()["detail"] == (
                "uploads are disabled: set RAPPORTSOK_API_KEY to enable them"
            )
        r = client.delete(f"/documents/{TIMRA.removesuffix('.txt')}", headers=auth())
        assert r.status_code == 403
        assert client.post("/search", json={"query": "ekonomi"}).status_code == 200  # open
        assert not (w.corpus / "ny.txt").exists()


def test_a_missing_or_wrong_key_is_401_and_changes_nothing(live: Writable, http) -> None:
    before = sorted(p.name for p in live.corpus.iterdir())
    for key in (None, "wrong-key", API_KEY + "x"):
        r = _upload(http, "ny-rapport.txt", UPLOAD_TEXT.encode(), key=key)
        assert r.status_code == 401, key
        assert r.headers["www-authenticate"] == "Bearer"
        r = http.delete(
            f"/documents/{TIMRA.removesuffix('.txt')}", headers=auth(key) if key else {}
        )
        assert r.status_code == 401
    assert sorted(p.name for p in live.corpus.iterdir()) == before


def test_upload_is_indexed_served_at_once_and_removed_again(live: Writable, http) -> None:
    r = _upload(
        http,
        "Sundsvik kultur 2022.md",
        UPLOAD_TEXT.encode(),
        title="Kultur 2022",
        municipality="Sundsvik",
        year="2022",
        report_type="Verksamhetsberättelse",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["action"] == "added"
    assert body["document_id"] == "sundsvik-kultur-2022"
    assert body["filename"] == "Sundsvik-kultur-2022.md"
    assert body["chunks"] >= 1 and body["embedded"] == body["chunks"]  # the rest is reused
    assert body["documents"] == 5
    assert (live.corpus / "Sundsvik-kultur-2022.md").read_text() == UPLOAD_TEXT
    catalogue = tomllib.loads((live.corpus / CATALOGUE_NAME).read_text(encoding="utf-8"))
    assert catalogue["reports"]["Sundsvik-kultur-2022.md"]["year"] == 2022
    # The very next request is served by the new index.
    doc = http.get("/documents/sundsvik-kultur-2022").json()
    assert (doc["title"], doc["municipality"], doc["year"]) == ("Kultur 2022", "Sundsvik", 2022)
    r = http.post(
        "/search",
        json={"query": "öppettider biblioteket hösten", "filters": {"municipality": ["Sundsvik"]}},
    )
    assert r.status_code == 200
    assert "Biblioteket i Sundsvik har fått utökade öppettider" in r.json()["results"][0]["text"]

    r = http.delete("/documents/sundsvik-kultur-2022", headers=auth())
    assert r.status_code == 200, r.text
    assert r.json()["action"] == "removed" and r.json()["documents"] == 4
    assert http.get("/documents/sundsvik-kultur-2022").status_code == 404
    assert "sundsvik-kultur-2022" not in _documents(http)
    assert not (live.corpus / "Sundsvik-kultur-2022.md").exists()
    catalogue = tomllib.loads((live.corpus / CATALOGUE_NAME).read_text(encoding="utf-8"))
    assert "Sundsvik-kultur-2022.md" not in catalogue["reports"]
    assert TIMRA in catalogue["reports"]  # the other entries (and comments) are kept
    assert http.delete("/documents/sundsvik-kultur-2022", headers=auth()).status_code == 404


def test_file_names_are_sanitised(live: Writable, http) -> None:
    r = _upload(http, "../../utanfor/..\\ond rapport<1>.txt", UPLOAD_TEXT.encode() + b"\n1")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "ond-rapport-1.txt"
    assert (live.corpus / "ond-rapport-1.txt").exists()
    assert not (live.corpus.parent / "utanfor").exists()
    assert not list(live.corpus.parent.parent.glob("**/utanfor"))
    r = _upload(http, ".dold.md", UPLOAD_TEXT.encode() + b"\n2")  # no hidden files
    assert r.status_code == 201 and r.json()["filename"] == "dold.md"
    for doc_id in ("ond-rapport-1", "dold"):
        assert http.delete(f"/documents/{doc_id}", headers=auth()).status_code == 200


def test_non_latin_and_swedish_names_get_their_own_ids(live: Writable, http) -> None:
    # Before: both CJK names were id "report" (the second refused 409), Håbo "rsredovisning-h-bo".
    expected = {
        "東京報告.txt": ("573df6bb5d", "東京報告.txt"),
        "大阪報告.txt": ("bca08eeb5e", "大阪報告.txt"),
        "Årsredovisning Håbo.txt": ("arsredovisning-habo", "Årsredovisning-Håbo.txt"),
    }
    for n, (name, (doc_id, filename)) in enumerate(expected.items()):
        r = _upload(http, name, UPLOAD_TEXT.encode() + f"\n{name} {n}".encode())
        assert r.status_code == 201, r.text
        assert (r.json()["document_id"], r.json()["filename"]) == (doc_id, filename)
    assert {"573df6bb5d", "bca08eeb5e", "arsredovisning-habo"} <= set(_documents(http))
    for doc_id, _ in expected.values():
        assert http.delete(f"/documents/{doc_id}", headers=auth()).status_code == 200
    assert len(_documents(http)) == 4


@pytest.mark.parametrize(
    ("name", "data", "status", "detail"),
    [
        ("program.exe", b"MZ\x90\x00", 415, "unsupported file type '.exe'"),
        ("utan-suffix", b"Text", 415, "unsupported file type '(no suffix)'"),
        ("falsk.pdf", "Det här är text.".encode(), 415, "not a PDF"),
        ("binar.txt", b"\x00\x01\x02\x81\x8d\x00" * 10, 415, "not a text file"),
        ("pdf-som-text.txt", b"%PDF-1.4\n...", 415, "is a PDF"),
        ("tom.txt", b"", 415, "empty"),
        ("stor.txt", b"a" * (1024 * 1024 + 1), 413, "the file is 1.0 MB, the limit is 1 MB"),
        ("storre.txt", b"a" * (1024 * 1024 + 200_000), 413, "the upload is 1.2 MB, the limit is"),
    ],
)
def test_files_are_checked_by_content_and_size(
    live: Writable, http, name, data, status, detail
) -> None:
    before, files = _documents(http), sorted(p.name for p in live.corpus.iterdir())
    r = _upload(http, name, data)
    assert r.status_code == status, r.text
    assert detail in r.json()["detail"]
    assert _documents(http) == before
    assert sorted(p.name for p in live.corpus.iterdir()) == files  # no file left behind


def test_no_report_is_overwritten_and_duplicates_are_reported(live: Writable, http) -> None:
    original = (live.corpus / TIMRA).read_bytes()
    r = _upload(http, TIMRA, b"Ny text som skulle ersatt rapporten.")
    assert r.status_code == 409
    assert "already stored as timra-kommunstyrelsen-delarsrapport-2021.txt" in r.json()["detail"]
    r = _upload(http, TIMRA.replace(".txt", ".md"), b"Samma id, annan fil.")
    assert r.status_code == 409  # same document id as the .txt
    r = _upload(http, "kopia-av-timra.txt", original)
    assert r.status_code == 409
    assert r.json()["detail"].startswith("duplicate of timra-kommunstyrelsen-delarsrapport-2021")
    assert (live.corpus / TIMRA).read_bytes() == original
    assert not (live.corpus / "kopia-av-timra.txt").exists()
    assert len(_documents(http)) == 4


def test_unreadable_report_is_refused_with_the_reason_and_removed(live: Writable, http) -> None:
    before = _documents(http)
    r = _upload(http, "trasig.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF garbage")
    assert r.status_code == 422, r.text
    assert r.json()["detail"]  # the reader's reason, e.g. "cannot be read as a PDF"
    assert not (live.corpus / "trasig.pdf").exists()
    assert _documents(http) == before
    r = _upload(http, "ny.txt", UPLOAD_TEXT.encode() + b"\n3", year="tjugotjugo")
    assert r.status_code == 422 and "year must be a four-digit year" in r.json()["detail"]
    assert not (live.corpus / "ny.txt").exists()


def test_upload_without_a_file_field_is_422(http) -> None:
    r = http.post("/documents", data={"title": "x"}, headers=auth())
    assert r.status_code == 422 and "file: field required" in r.json()["detail"]
    r = http.post("/documents", json={"file": "x"}, headers=auth())
    assert r.status_code == 422


def test_read_key_guards_the_read_endpoints(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path
) -> None:
    with (
        writable_server(
            corpus_copy, corpus_index, tmp_path, base_searcher, read_key="las-nyckel"
        ) as w,
        httpx.Client(base_url=w.url) as client,
    ):
        body = {"query": "ekonomi"}
        assert client.post("/search", json=body).status_code == 401
        assert client.post("/search", json=body, headers=auth("fel")).status_code == 401
        assert client.get("/documents").status_code == 401
        assert client.post("/search", json=body, headers=auth("las-nyckel")).status_code == 200
        assert client.post("/search", json=body, headers=auth()).status_code == 200  # API key
        r = _upload(client, "ny.txt", b"Text.", key="las-nyckel")
        assert r.status_code == 401  # the read key does not allow uploads

"""Inputs that once gave a 500, through a real server: a lone surrogate in a query, a very
long repeated compound word, a long file name in a multibyte script, control characters in
upload metadata and an impossible year. Each is now a 4xx (or a 201) naming the problem."""

from __future__ import annotations

import json

import httpx
import pytest
from writable import UPLOAD_TEXT, Writable, auth

from indexer.reading.metadata import CATALOGUE_NAME


def _raw_json(http: httpx.Client, path: str, text: str) -> httpx.Response:
    """POST a JSON body written by hand (httpx cannot encode a lone surrogate itself)."""
    return http.post(
        path, content=text.encode("ascii"), headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        (
            "/search",
            '{"query": "\\ud800 ekonomi"}',
            "query must be valid Unicode text (a lone surrogate at position 0)",
        ),
        (
            "/ask",
            '{"question": "Hur gick ekonomin?\\udfff"}',
            "question must be valid Unicode text (a lone surrogate at position 18)",
        ),
        (
            "/search",
            '{"query": "ekonomi", "filters": {"municipality": ["Tim\\ud83dr\\u00e5"]}}',
            "filters.municipality must be valid Unicode text (a lone surrogate at position 3)",
        ),
    ],
)
def test_a_lone_surrogate_is_422_naming_the_field(http, path: str, body: str, detail: str) -> None:
    r = _raw_json(http, path, body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == detail


@pytest.mark.parametrize("word", ["sjukfrånvaro" * 160, "ab" * 990, "kommun" * 330])
def test_a_very_long_repeated_compound_word_is_searched(http, word: str) -> None:
    for path, field in (("/search", "query"), ("/ask", "question")):
        r = http.post(path, json={field: f"{word} ekonomi"})
        assert r.status_code == 200, r.text


def test_a_long_file_name_in_a_multibyte_script_is_cut_in_bytes(live: Writable, http) -> None:
    # 200 characters of 3 bytes each: 600 bytes, over the file system's 255.
    r = http.post(
        "/documents",
        files={"file": ("漢" * 200 + ".txt", UPLOAD_TEXT.encode() + b"\nhan")},
        headers=auth(),
    )
    assert r.status_code == 201, r.text
    name = r.json()["filename"]
    assert name == "漢" * 40 + ".txt"  # 120 bytes of stem: 40 whole characters
    assert (live.corpus / name).is_file()
    assert http.delete(f"/documents/{r.json()['document_id']}", headers=auth()).status_code == 200


@pytest.mark.parametrize(
    ("meta", "detail"),
    [
        ({"title": "Årsredovisning\x002023"}, "title must not contain control characters (U+0000)"),
        ({"organ": "Kommun\x7fstyrelsen"}, "organ must not contain control characters (U+007F)"),
        ({"municipality": "Timrå\nx = 1"}, "municipality must not contain control characters"),
        ({"title": "Årsredovisning \u202e3202"}, "title must not contain invisible formatting"),
        ({"organ": "Kommun\u200bstyrelsen"}, "organ must not contain invisible formatting"),
        ({"period": "\ufeffJanuari"}, "period must not contain invisible formatting"),
        ({"report_type": "Bokslut\uffff"}, "report_type must not contain Unicode non-characters"),
        ({"municipality": "Timr\ufdd0"}, "municipality must not contain Unicode non-characters"),
        ({"year": "0000"}, "year must be between 1900 and 2100, got 0"),
        ({"year": "2101"}, "year must be between 1900 and 2100, got 2101"),
    ],
)
def test_bad_metadata_is_422_and_leaves_nothing(
    live: Writable, http, meta: dict[str, str], detail: str
) -> None:
    catalogue = (live.corpus / CATALOGUE_NAME).read_bytes()
    files = sorted(p.name for p in live.corpus.iterdir())
    r = http.post(
        "/documents",
        files={"file": ("metadata-prov.txt", UPLOAD_TEXT.encode() + b"\nmeta")},
        data=meta,
        headers=auth(),
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(detail)
    assert (live.corpus / CATALOGUE_NAME).read_bytes() == catalogue
    assert sorted(p.name for p in live.corpus.iterdir()) == files


def test_the_year_bounds_themselves_are_accepted(live: Writable, http) -> None:
    for year in ("1900", "2100"):
        r = http.post(
            "/documents",
            files={"file": (f"gräns-{year}.txt", UPLOAD_TEXT.encode() + year.encode())},
            data={"year": year},
            headers=auth(),
        )
        assert r.status_code == 201, r.text
        assert http.get(f"/documents/{r.json()['document_id']}").json()["year"] == int(year)
        assert (
            http.delete(f"/documents/{r.json()['document_id']}", headers=auth()).status_code == 200
        )


def test_no_response_leaks_an_absolute_path(live: Writable, http) -> None:
    health = http.get("/health").json()
    assert str(live.index.parent) not in json.dumps(health)
    assert health["index"]["path"] == live.index.name
    r = http.delete("/documents/finns-inte", headers=auth())
    assert r.status_code == 404
    assert r.json()["detail"] == "no report with id 'finns-inte'"


def test_a_report_with_a_very_long_word_is_indexed(live: Writable, http) -> None:
    word = "sjukfrånvaro" * 2000  # 24,000 letters in one word, as a broken PDF may give
    r = http.post(
        "/documents",
        files={"file": ("langt-ord.txt", f"{UPLOAD_TEXT}\n{word}\n".encode())},
        headers=auth(),
    )
    assert r.status_code == 201, r.text
    assert http.delete("/documents/langt-ord", headers=auth()).status_code == 200


@pytest.mark.parametrize(
    ("name", "encoding", "charset"),
    [
        ("windows-export.txt", "cp1252", "windows-1252"),
        ("utf8-rapport.md", "utf-8", "utf-8"),
        ("utf16-rapport.txt", "utf-16", "utf-16"),
    ],
)
def test_a_text_report_is_served_in_the_charset_it_was_read_in(
    http, name: str, encoding: str, charset: str
) -> None:
    text = UPLOAD_TEXT + f"\nÅrets överskott i {encoding}: 1,7 mnkr.\n"
    r = http.post("/documents", files={"file": (name, text.encode(encoding))}, headers=auth())
    assert r.status_code == 201, r.text
    doc = r.json()["document_id"]
    f = http.get(f"/documents/{doc}/file")
    assert f.status_code == 200
    assert f.headers["content-type"].endswith(f"; charset={charset}")
    assert f.headers["x-content-type-options"] == "nosniff"
    assert f.text == text  # decoded by the client with the charset it was given
    assert http.delete(f"/documents/{doc}", headers=auth()).status_code == 200

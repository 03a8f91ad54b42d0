"""POST /search through a real server, and retrieval on known questions of the real corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ESKILSTUNA = "eskilstuna-kommunstyrelsen-delarsrapport-2023"
KOPING = "koping-kommunstyrelsen-delarsrapport-2019"
KROKOM = "krokom-kommunstyrelsen-arsredovisning-2020"
TIMRA = "timra-kommunstyrelsen-delarsrapport-2021"


def test_search_happy_path(api):
    r = api.post("/search", json={"query": "Hur stor var sjukfrånvaron i Eskilstuna?", "k": 3})
    assert r.status_code == 200
    assert r.headers["x-request-id"]
    body = r.json()
    assert body["query"] == "Hur stor var sjukfrånvaron i Eskilstuna?"
    assert body["took_ms"] > 0
    assert set(body["timings"]) >= {"embed_ms", "faiss_ms", "bm25_ms", "fusion_ms"}
    results = body["results"]
    assert [p["rank"] for p in results] == [1, 2, 3]
    top = results[0]
    assert top["document"]["id"] == ESKILSTUNA
    assert top["document"]["municipality"] == "Eskilstuna"
    assert top["document"]["year"] == 2023
    assert top["document"]["file_url"] == f"/documents/{ESKILSTUNA}/file"
    assert "2,0 procent" in top["text"]
    assert isinstance(top["section"], list) and top["section"]
    words = [top["text"][h["start"] : h["end"]] for h in top["highlights"]]
    assert "sjukfrånvaron" in [w.lower() for w in words]


def test_search_span_points_into_the_report(api, corpus_copy):
    r = api.post("/search", json={"query": "LIX-värde hemsida", "k": 1})
    top = r.json()["results"][0]
    source = (corpus_copy / f"{top['document']['id']}.txt").read_text(encoding="utf-8")
    assert source[top["span"]["start"] : top["span"]["end"]] == top["text"]


@pytest.mark.parametrize(
    ("question", "doc_id", "evidence"),
    [
        ("Hur stor var sjukfrånvaron i Eskilstuna?", ESKILSTUNA, "2,0 procent"),
        (
            "När startade den nya kommunledningsförvaltningen i Köping?",
            KOPING,
            "Den 1 januari 2019 startade nya kommunledningsförvaltningen sitt arbete",
        ),
        (
            "Vilket LIX-värde har kommunens hemsida i Krokom?",
            KROKOM,
            "Kommunens hemsida har ett LIX-värde som pendlar runt 35",
        ),
        (
            "Vem är ordförande i kommunstyrelsen i Timrå?",
            TIMRA,
            "Nämndens ordförande: Stefan Dalin",
        ),
        ("Vem fick utmärkelsen Årets arbetskamrat?", KROKOM, "Marita Evertsson"),
    ],
)
def test_known_questions_top_hit(api, question, doc_id, evidence):
    results = api.post("/search", json={"query": question, "k": 5}).json()["results"]
    assert results[0]["document"]["id"] == doc_id
    assert evidence in " ".join(results[0]["text"].split())


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_modes(api, mode):
    r = api.post("/search", json={"query": "sjukfrånvaro", "k": 4, "mode": mode})
    assert r.status_code == 200
    assert len(r.json()["results"]) == 4


@pytest.mark.parametrize(
    "query", ["Timrås ekonomi", "ekonomin i Timrå", "Timra ekonomi", "TIMRÅ kommuns ekonomi"]
)
def test_municipality_in_query_restricts(api, query):
    results = api.post("/search", json={"query": query, "k": 10}).json()["results"]
    assert {p["document"]["municipality"] for p in results} == {"Timrå"}


def test_no_municipality_searches_all(api):
    results = api.post("/search", json={"query": "sjukfrånvaro", "k": 20}).json()["results"]
    assert len({p["document"]["id"] for p in results}) >= 3


def test_explicit_filters(api):
    body = {"query": "ekonomi", "k": 10, "filters": {"year": [2019, 2020]}}
    results = api.post("/search", json=body).json()["results"]
    assert {p["document"]["id"] for p in results} <= {KOPING, KROKOM}
    body = {"query": "Timrås ekonomi", "k": 5, "filters": {"document_id": [KROKOM]}}
    results = api.post("/search", json=body).json()["results"]
    assert {p["document"]["id"] for p in results} == {KROKOM}  # the user's filter wins
    body = {"query": "ekonomi", "k": 5, "filters": {"municipality": ["köping"]}}
    assert {p["document"]["id"] for p in api.post("/search", json=body).json()["results"]} == {
        KOPING
    }


def test_sjukfranvaro_forms_meet(searcher):
    """The analyzer makes inflected, bare and paraphrased forms meet on the lexical side."""
    tops = [
        searcher.search(q, 3, mode="lexical")[0][0].chunk.doc_id
        for q in (
            "sjukfrånvaron Eskilstuna",
            "sjukfrånvaro Eskilstuna",
            "frånvaro bland sjuka Eskilstuna",
        )
    ]
    assert tops == [ESKILSTUNA] * 3


def test_dense_top_k_equals_brute_force(searcher, loaded_index):
    query = "Hur gick Timrås ekonomi under årets första åtta månader?"
    hits, _ = searcher.search("ekonomi under årets första åtta månader", 10, mode="dense")
    qvec = searcher.embed("ekonomi under årets första åtta månader")
    sims = loaded_index.vectors @ qvec
    expected = np.argsort(-sims, kind="stable")[:10]
    assert [loaded_index.by_id[h.chunk.id] for h in hits] == [int(i) for i in expected]
    np.testing.assert_allclose([h.score for h in hits], sims[expected], rtol=1e-4, atol=1e-5)
    # Restricted to one report: still the brute-force order among its rows.
    hits, _ = searcher.search(query, 5, mode="dense")
    rows = searcher.rows_of(TIMRA)
    qvec = searcher.embed(query)
    order = sorted(rows, key=lambda r: -float(loaded_index.vectors[r] @ qvec))[:5]
    assert [loaded_index.by_id[h.chunk.id] for h in hits] == order


def test_a_running_server_keeps_numpys_blas_to_one_thread(api):
    # OpenBLAS's threads spin after each of a search's small products and took a core from
    # the query embedding that followed (500k passages: embed p95 38 → 22 ms).
    from threadpoolctl import threadpool_info

    assert api.get("/health").status_code == 200
    numpy_blas = [i for i in threadpool_info() if Path(i["filepath"]).parent.name == "numpy.libs"]
    assert [i["num_threads"] for i in numpy_blas] == [1]

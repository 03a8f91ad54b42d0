"""POST /ask through a real server: extractive answers with verbatim citations, abstentions."""

from __future__ import annotations

import re

from search.answer import NO_ANSWER, Answerer
from search.query import is_english


def test_ask_answers_with_verbatim_citation(api, corpus_copy):
    # The report gives several sick-leave figures; this asks for the period's average.
    question = "Hur stor var sjukfrånvaron i snitt under perioden i Eskilstuna?"
    r = api.post("/ask", json={"question": question})
    assert r.status_code == 200
    body = r.json()
    assert body["answered"] is True
    assert body["message"] is None
    assert "2,0 procent" in body["answer"]
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])]
    assert markers == [c["n"] for c in body["citations"]] and 1 <= len(markers) <= 3
    first = body["citations"][0]
    assert "2,0 procent" in first["quote"]
    assert first["document"]["id"] == "eskilstuna-kommunstyrelsen-delarsrapport-2023"
    report = (corpus_copy / "eskilstuna-kommunstyrelsen-delarsrapport-2023.txt").read_text(
        encoding="utf-8"
    )
    for c in body["citations"]:
        # each line verbatim: a table cell's quote is its header row above its row
        assert all(line in report for line in c["quote"].split("\n"))
        assert c["passage_id"] in {p["id"] for p in body["passages"]}
    assert len(body["passages"]) == 5
    assert 0.0 < body["confidence"] <= 1.0 and body["answer_type"] == "percentage"


def test_ask_answers_a_table_cell_with_its_row_and_column(api):
    question = "Hur hög var sjukfrånvaron bland Timrås kommunanställda 2021?"
    body = api.post("/ask", json={"question": question}).json()
    assert body["answered"] is True
    # 2021 names a column: the answer is that cell, with its row label and column header
    assert body["answer"].startswith(
        "Sjukfrånvaro samtliga kommunanställda, 2021 jan-juni: 6,4 % [1]"
    )
    header, row = body["citations"][0]["quote"].split("\n")
    assert "2021 jan-juni" in header and row.startswith("Sjukfrånvaro samtliga")


def test_ask_compares_the_municipalities_it_names(api):
    question = "Jämför sjukfrånvaron i Timrå och Eskilstuna"
    body = api.post("/ask", json={"question": question}).json()
    assert body["answered"] is True
    rows = body["comparison"]
    assert [r["document"]["municipality"] for r in rows] == ["Eskilstuna", "Timrå"]
    assert all(r["answer"] and r["citation"] for r in rows)


def test_ask_abstains_on_unanswerable(api):
    r = api.post("/ask", json={"question": "Vilket resultat gjorde Sundsvalls kommun 2021?"})
    body = r.json()
    assert r.status_code == 200
    assert body["answered"] is False and body["answer"] is None and body["citations"] == []
    assert "Sundsvall" in body["message"]
    assert body["passages"]  # the closest passages are still returned


def test_ask_abstains_on_a_municipality_without_report(api):
    """Timrå and Eskilstuna report sick leave; that must not answer a question on Östersund."""
    question = "Hur hög var sjukfrånvaron på kommunledningskontoret i Östersund 2022?"
    body = api.post("/ask", json={"question": question, "k": 3}).json()
    assert body["answered"] is False and body["answer"] is None
    assert "Östersund" in body["message"]
    assert len(body["passages"]) == 3


def test_ask_abstains_when_no_passage_has_the_subject(api):
    """Eskilstuna's report has budget passages but nothing on snow clearing: no answer."""
    body = api.post(
        "/ask", json={"question": "Vad kostade vinterns snöröjning för Eskilstuna?"}
    ).json()
    assert body["answered"] is False and body["answer"] is None and body["citations"] == []
    assert body["message"] == NO_ANSWER
    assert len(body["passages"]) == 5


def test_support_is_the_weighted_share_of_content_words_in_one_passage(searcher):
    answerer = Answerer(searcher)
    question = "Hur stor var sjukfrånvaron i Eskilstuna?"
    # "Eskilstuna" (an indexed municipality) is no subject; "stor" and "sjukfrånvaron" are.
    assert [sorted(t) for t, _ in answerer.content_words(question)] == [
        ["stor"],
        ["frånvaro", "sjuk", "sjukfrånvaro"],
    ]
    hits, _ = searcher.search(question, 5)
    assert answerer.support(question, hits) >= 0.5
    assert answerer.support("snöröjning", hits) == 0.0  # unknown to the index: weight max


def test_english_questions_are_recognised():
    assert is_english("What is the sick leave rate at the municipal executive office?")
    assert is_english("When did Köping's new administration start?")
    assert not is_english("Vad är det för LIX-värde på hemsidan?")
    assert not is_english("Köpingsfesten")


def test_an_answer_whose_quote_is_less_likely_right_than_wrong_is_uncertain(api):
    sure = api.post(
        "/ask", json={"question": "Hur stor var sjukfrånvaron i snitt under perioden i Eskilstuna?"}
    ).json()
    assert (sure["answered"], sure["uncertain"]) == (True, False)
    # A section lists many assignments: one row of it answers only in part, and the reader
    # finds it less likely right than wrong, though the reports plainly cover the question.
    question = "Vad står det under Redovisning av särskilda uppdrag 2019 i Köpings delårsrapport?"
    unsure = api.post("/ask", json={"question": question}).json()
    assert (unsure["answered"], unsure["uncertain"]) == (True, True)


def test_ask_says_which_reports_it_searched(api):
    # Every corpus report's municipality is known: a question naming Timrå searches Timrå's.
    body = api.post("/ask", json={"question": "Hur hög var sjukfrånvaron i Timrå?"}).json()
    assert body["searched"] == {
        "all": False,
        "documents": ["timra-kommunstyrelsen-delarsrapport-2021"],
        "ranked_first": [],
    }
    body = api.post("/ask", json={"question": "Hur hög var sjukfrånvaron?"}).json()
    assert body["searched"] == {"all": True, "documents": [], "ranked_first": []}
    doc = body["passages"][0]["document"]
    assert doc["organisation"] and doc["sources"]["municipality"] == "catalogue"

"""The Streamlit app through Streamlit's AppTest, against the real API (or a closed port)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import citations, free_port
from streamlit.testing.v1 import AppTest

from rapportsok.settings import get_settings
from service.schemas import MAX_QUERY_CHARS

APP_FILE = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")


def _app(monkeypatch: pytest.MonkeyPatch, api_url: str) -> AppTest:
    monkeypatch.setenv("RAPPORTSOK_API_URL", api_url)
    get_settings.cache_clear()
    at = AppTest.from_file(APP_FILE, default_timeout=60)
    return at.run()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    yield
    get_settings.cache_clear()


def test_api_down_shows_what_to_do_and_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    at = _app(monkeypatch, url)
    assert not at.exception
    [info] = at.info
    assert "Rapportsök får ingen kontakt med sökservern" in info.value
    assert "rapportsok serve" in info.value and url in info.value
    assert not at.text_input  # stopped before the question box


SICK_LEAVE = "Hur hög var sjukfrånvaron bland Timrås kommunanställda 2021?"


def _ask(at: AppTest, question: str, view: str = "Fråga") -> AppTest:
    if view != "Fråga":
        at.radio(key="view").set_value(view).run()
    at.text_input(key="query").input(question)
    [button] = [b for b in at.button if b.label == view]
    return button.click().run()


def _markdown(at: AppTest, marker: str) -> list[str]:
    return [m.value for m in at.markdown if marker in m.value]


def test_answer_with_citations_tied_to_cards(monkeypatch: pytest.MonkeyPatch, api_url: str) -> None:
    at = _ask(_app(monkeypatch, api_url), SICK_LEAVE)
    assert not at.exception and not at.warning
    [answer] = _markdown(at, 'class="rs-answer"')
    # The question names 2021: the answer gives that cell with its row label and column
    # header; the marker links to the card with id kalla-1.
    assert "Sjukfrånvaro samtliga kommunanställda, 2021 jan-juni: 6,4 %" in answer
    assert 'href="#kalla-1"' in answer
    [card] = _markdown(at, '<span id="kalla-1"></span>')
    assert "[1] Timrå kommun · Delårsrapport 2021, Kommunstyrelsen · 2021" in card
    assert "Uppdrag: Skapa utrymme för ny styrning › Nyckeltal" in card
    # Cited card first: its copyable citation line, and its table rendered as a table.
    assert citations(at)[0] == (
        "Timrå kommun, Delårsrapport 2021, Uppdrag: Skapa utrymme för ny styrning › Nyckeltal"
    )
    table = _markdown(at, "<th><strong>Mått</strong></th>")[0]
    assert "<mark>Sjukfrånvaro</mark>" in table and "\t" not in table
    assert [s.value for s in at.main.subheader] == ["Svar", "Källor"]


def test_example_question_is_asked_on_click(monkeypatch: pytest.MonkeyPatch, api_url: str) -> None:
    at = _app(monkeypatch, api_url)
    [example] = [b for b in at.button if b.label.startswith("Vilket valdeltagande")]
    at = example.click().run()
    assert at.text_input(key="query").value == example.label
    [answer] = _markdown(at, 'class="rs-answer"')
    assert "82,75 %" in answer


def test_the_question_box_stops_at_the_apis_limit(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url)
    assert at.text_input(key="query").max_chars == MAX_QUERY_CHARS == 2000


def test_no_answer_says_so_and_still_shows_closest_passages(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _ask(_app(monkeypatch, api_url), "Hur många invånare har Göteborg?")
    assert not at.exception
    assert not _markdown(at, 'class="rs-answer"')
    [warning] = at.warning
    assert "ingen rapport från Göteborg" in warning.value
    assert [s.value for s in at.main.subheader] == ["Stycken som ligger närmast frågan"]
    assert len(citations(at)) == 5  # one citation line per passage card


def test_filters_restrict_answer_and_search(monkeypatch: pytest.MonkeyPatch, api_url: str) -> None:
    at = _app(monkeypatch, api_url)
    kommun = at.sidebar.multiselect(key="kommun")
    assert kommun.options == ["Eskilstuna", "Krokom", "Köping", "Timrå"]
    assert at.sidebar.multiselect(key="ar").options == ["2023", "2021", "2020", "2019"]
    kommun.select("Köping").run()
    at = _ask(at, "Hur hög var sjukfrånvaron?")
    assert not at.exception
    lines = citations(at)
    assert lines and all(line.startswith("Köpings kommun, Delårsrapport 2019") for line in lines)

    at = _ask(at, "sjukfrånvaro", view="Sök")
    lines = citations(at)
    assert len(lines) >= 3
    assert all(line.startswith("Köpings kommun, ") for line in lines)
    assert not _markdown(at, 'class="rs-answer"')


def test_reports_page_lists_reports_with_outline_and_counts(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    import httpx

    at = _app(monkeypatch, api_url)
    at.radio(key="view").set_value("Rapporter").run()
    assert not at.exception and not at.text_input
    table = at.dataframe[0].value
    counts = httpx.get(f"{api_url}/health").json()["index"]["counts"]
    assert len(table) == counts["documents"] == 4
    assert int(table["Stycken"].sum()) == counts["chunks"]
    outlines = _markdown(at, "<ul")
    assert len(outlines) == 4 and any("Driftbudget" in o for o in outlines)

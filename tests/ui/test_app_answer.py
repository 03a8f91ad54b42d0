"""The answer view through AppTest against the real API: the URL, comparison tables, quotes
shown once, uncertain answers, abstentions, feedback, translated errors, the upload page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import citations
from streamlit.testing.v1 import AppTest

from rapportsok.settings import get_settings
from ui import feedback

APP_FILE = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")
SICK_LEAVE = "Hur hög var sjukfrånvaron bland Timrås kommunanställda 2021?"
HIGHEST = "Vilken kommun hade högst sjukfrånvaro?"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    yield
    get_settings.cache_clear()


def _app(
    monkeypatch: pytest.MonkeyPatch, api_url: str, data: Path | None = None, **params: str
) -> AppTest:
    monkeypatch.setenv("RAPPORTSOK_API_URL", api_url)
    if data is not None:
        monkeypatch.setenv("RAPPORTSOK_INDEX_DIR", str(data / "index"))
    get_settings.cache_clear()
    at = AppTest.from_file(APP_FILE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _markdown(at: AppTest, marker: str) -> list[str]:
    return [m.value for m in at.markdown if marker in m.value]


def test_a_shared_link_asks_its_question_with_its_filters(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url, fraga="Hur hög var sjukfrånvaron?", kommun="Köping")
    assert not at.exception
    assert at.text_input(key="query").value == "Hur hög var sjukfrånvaron?"
    assert at.sidebar.multiselect(key="kommun").value == ["Köping"]
    lines = citations(at)
    assert lines and all(line.startswith("Köpings kommun, Delårsrapport 2019") for line in lines)


def test_asking_puts_question_and_view_in_the_url(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url)
    at.text_input(key="query").input(SICK_LEAVE)
    at = [b for b in at.button if b.label == "Fråga"][0].click().run()
    assert at.query_params["fraga"] == SICK_LEAVE
    at.radio(key="view").set_value("Rapporter").run()
    assert dict(at.query_params) == {"vy": "rapporter"}
    # The history in the sidebar returns to the question.
    [back] = [b for b in at.sidebar.button if b.label == SICK_LEAVE]
    at = back.click().run()
    assert at.radio(key="view").value == "Fråga" and at.query_params["fraga"] == SICK_LEAVE
    assert _markdown(at, 'class="rs-answer"')


def test_each_quote_once_and_sources_listed_without_it(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url, fraga=SICK_LEAVE)
    [sources] = _markdown(at, 'class="rs-sources"')
    assert sources == (
        '<div class="rs-sources"><div class="rs-meta"><a class="rs-cite" href="#kalla-1">[1]'
        "</a> Timrå kommun, Delårsrapport 2021, Uppdrag: Skapa utrymme för ny styrning › "
        "Nyckeltal</div></div>"
    )
    answers = _markdown(at, "6,4 %")
    # The figure is in the answer, in the source card's table and in the card's "Visa i
    # rapporten" (the section around it), never in a list of citations.
    assert [("rs-answer" in a, "rs-passage" in a, "rs-report" in a) for a in answers] == [
        (True, False, False),
        (False, True, False),
        (False, True, True),
    ]
    assert [d.label for d in at.download_button][:1] == ["Ladda ner (Word)"]


def test_comparison_answer_is_a_table_per_report(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url, fraga=HIGHEST)
    assert not at.exception
    [table] = _markdown(at, 'class="rs-table rs-comparison"')
    # In a box that scrolls sideways: on a phone the last column is swiped to, not cut.
    assert '<div class="rs-scroll"><table class="rs-table rs-comparison">' in table
    assert "<th>Kommun</th><th>Rapport</th><th>Svar</th><th>Källa</th>" in table
    assert table.count("<tr>") == 5  # the header row and one row per report
    assert (
        "<tr><td>Köpings kommun</td><td>Delårsrapport 2019</td>"
        "<td><em>Ger ingen uppgift</em></td><td></td></tr>"
    ) in table
    assert "<td>Timrå kommun</td><td>Delårsrapport 2021</td><td>Sjukfrånvaro" in table
    assert not _markdown(at, 'class="rs-answer"')  # the table is the answer, not repeated


def test_a_passage_read_by_ocr_says_so_on_its_card() -> None:
    def script() -> None:
        from service.schemas import DocumentInfo, Passage, Span
        from ui.cards import passage_card

        doc = DocumentInfo(
            id="skannad",
            title="Delårsrapport 2022",
            municipality="Sundsvik",
            year=2022,
            file_url="/documents/skannad/file",
        )
        text = "Resultatet blev 3 mnkr bättre än budget."
        passage_card(
            Passage(
                id="skannad:0001:ab",
                rank=1,
                score=1.0,
                text=text,
                document=doc,
                section=["Ekonomi"],
                page=2,
                span=Span(start=0, end=len(text)),
                highlights=[],
                ocr=True,
            ),
            [1],
        )

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert _markdown(at, "Ekonomi · s. 2 · Text tolkad från bild")


def test_uncertain_answer_and_abstention_look_different() -> None:
    def script() -> None:
        from datetime import datetime

        from service.schemas import AskResponse
        from ui.answer import show_answer

        base = {"question": "Q?", "citations": [], "passages": [], "took_ms": 1.0}
        show_answer(
            AskResponse(
                answered=True, answer="Det kostar 3 mkr.", uncertain=True, confidence=0.41, **base
            ),
            datetime(2026, 3, 5),
            "",
        )
        show_answer(
            AskResponse(
                answered=False,
                answer=None,
                message="Rapporterna verkar inte besvara frågan.",
                **base,
            ),
            datetime(2026, 3, 5),
            "",
        )

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Osäkert svar – kontrollera källan"]
    assert at.caption[0].value == (
        "Rapporterna verkar säga detta, men läsaren är inte säker på att citatet svarar på "
        "frågan. Läs citatet i rapporten innan du använder det."
    )
    assert _markdown(at, "rs-answer-box rs-uncertain")
    # The confidence in words, the number on hover (0.41: below every band's floor).
    [meter] = _markdown(at, 'class="rs-confidence')
    assert "Säkerhet: <strong>låg</strong>" in meter and "41 %" in meter
    # 👍/👎 under the answer and under the abstention alike.
    assert len(at.feedback) == 2
    assert [c.value for c in at.caption][-1] == (
        "Stämmer det att rapporterna inte svarar på frågan?"
    )
    [warning] = at.warning
    assert warning.value == (
        "**Inget svar i rapporterna.** Rapporterna verkar inte besvara frågan."
    )


def test_feedback_lands_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, api_url: str, tmp_path: Path
) -> None:
    at = _app(monkeypatch, api_url, data=tmp_path / "data", fraga=SICK_LEAVE)
    at.feedback[0].set_value(0).run()
    at.text_area[0].input("Jag ville ha bara 2021.")
    at = [b for b in at.button if b.label == "Skicka omdöme"][0].click().run()
    assert [s.value for s in at.success] == ["Tack! Ditt omdöme är sparat."]
    [vote] = feedback.load(tmp_path / "data" / "feedback.sqlite3")
    assert (vote.rating, vote.question, vote.comment) == (
        "down",
        SICK_LEAVE,
        "Jag ville ha bara 2021.",
    )
    assert vote.passage_ids and vote.passage_ids[0].startswith("timra-kommunstyrelsen")
    assert vote.answer and "6,4 %" in vote.answer
    assert vote.index_version.endswith(" 4r/278s")


def test_api_validation_error_is_swedish(monkeypatch: pytest.MonkeyPatch, api_url: str) -> None:
    at = _app(monkeypatch, api_url, fraga="x" * 2599)
    [warning] = at.warning
    assert warning.value == (
        "Frågan är för lång: högst 2000 tecken går att skicka, din har 2599. "
        "Korta den och försök igen."
    )


def test_upload_page_says_up_front_that_uploads_are_off(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url, vy="ladda-upp")
    assert not at.exception
    [info] = at.info
    assert info.value.startswith("**Uppladdning är avstängd på sökservern.**")
    assert not at.text_input  # no form to fill in for nothing
    assert not at.sidebar.multiselect  # filters only where they do something


def test_search_shows_no_examples_and_more_on_request(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url, vy="sok", fraga="sjukfrånvaro")
    assert not [b for b in at.button if b.key and b.key.startswith("exempel-")]
    assert len(citations(at)) == 10
    at = at.button(key="visa-fler").click().run()
    assert len(citations(at)) == 20

"""End to end: the real API and the real Streamlit server on free loopback ports, driven in
headless Chromium (Debian's package, through Playwright's Python API; no browser download)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "Hur hög var sjukfrånvaron bland Timrås kommunanställda 2021?"
EXAMPLE = "Hur stor budgetavvikelse hade Timrås kommunstyrelse för januari–augusti 2021?"


@pytest.fixture(autouse=True)
def _chromium() -> None:
    # Never a silent skip: without the browser the end-to-end test fails and says why.
    assert CHROMIUM.exists(), (
        "/usr/bin/chromium is missing: install Debian's chromium (`make install-test` does)"
    )


def test_question_gets_answer_with_citation_in_a_real_browser(ui_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600}, locale="sv-SE")
            page.goto(ui_url, wait_until="domcontentloaded")
            box = page.get_by_label("Din fråga")
            expect(box).to_be_visible(timeout=30_000)
            box.fill(QUESTION)
            box.press("Enter")

            answer = page.locator(".rs-answer")
            expect(answer).to_be_visible(timeout=60_000)
            expect(answer).to_contain_text("[1]")
            expect(answer).to_contain_text("6,4 %")
            # The first cited passage: its card (the innermost block around its anchor),
            # header and copyable citation line.
            card = page.locator(
                "[data-testid='stVerticalBlock']", has=page.locator("#kalla-1")
            ).last
            expect(card).to_contain_text("Timrå kommun")
            citation = card.locator(".rs-citation")
            expect(citation).to_contain_text("Timrå kommun, Delårsrapport 2021, ")
            expect(citation).to_contain_text(" › ")
            expect(card.locator("mark").first).to_be_visible()
            shot = tmp_path / "answer.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()


DOCS = Path(__file__).resolve().parents[2] / "docs"


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: docs/ for the README when RAPPORTSOK_SCREENSHOTS=1, else the
    test's own folder (a test run leaves the working tree as it was)."""
    return DOCS if os.environ.get("RAPPORTSOK_SCREENSHOTS") == "1" else tmp_path


def _browser(pw):  # type: ignore[no-untyped-def]
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def test_share_link_export_and_highlight_in_a_real_browser(ui_url: str, tmp_path: Path) -> None:
    from urllib.parse import quote

    from docx import Document
    from playwright.sync_api import expect, sync_playwright

    link = f"{ui_url}/?fraga={quote(QUESTION)}&kommun=Timr%C3%A5"
    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            # A fresh context: no cookies, no history, only the link.
            context = browser.new_context(
                viewport={"width": 1280, "height": 1000}, locale="sv-SE", accept_downloads=True
            )
            page = context.new_page()
            page.goto(link, wait_until="domcontentloaded")
            answer = page.locator(".rs-answer")
            expect(answer).to_contain_text("2021 jan-juni: 6,4 %", timeout=60_000)
            expect(page.get_by_label("Din fråga")).to_have_value(QUESTION)
            page.screenshot(path=str(_shots(tmp_path) / "svar.png"))

            # The Word export: question, quote and full citation.
            with page.expect_download(timeout=30_000) as info:
                page.get_by_role("button", name="Ladda ner (Word)").click()
            path = tmp_path / info.value.suggested_filename
            info.value.save_as(path)
            assert info.value.suggested_filename.endswith(".docx")
            text = "\n".join(p.text for p in Document(str(path)).paragraphs)
            assert QUESTION in text
            assert "Sjukfrånvaro samtliga kommunanställda | 5,2 % | 7,5 % | 6,4 %" in text
            assert "Kommun: Timrå kommun" in text and "År: 2021" in text
            assert "Avsnitt: Uppdrag: Skapa utrymme för ny styrning › Nyckeltal" in text

            # "Visa i rapporten": the section, the quote marked in it.
            page.get_by_text("Visa i rapporten").first.click()
            # The quote is a table row with its header row: each of its cells is marked.
            quote_mark = page.locator(".rs-cited mark.rs-quote", has_text="6,4 %").first
            expect(quote_mark).to_be_visible(timeout=30_000)
            expect(page.locator(".rs-cited mark.rs-quote").first).to_have_text("Mått")
            quote_mark.scroll_into_view_if_needed()
            shot = _shots(tmp_path) / "i-rapporten.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()


def test_phone_layout_shows_navigation_and_question_box_first(ui_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_page(
                viewport={"width": 390, "height": 844}, locale="sv-SE", is_mobile=True
            )
            page.goto(ui_url, wait_until="domcontentloaded")
            box = page.get_by_label("Din fråga")
            expect(box).to_be_visible(timeout=30_000)
            nav = page.get_by_role("radiogroup", name="Visa")
            # Visible without scrolling or opening the sidebar: inside the first screen.
            for element in (nav, box):
                b = element.bounding_box()
                assert b is not None and b["y"] >= 0 and b["y"] + b["height"] <= 844
                assert b["x"] >= 0 and b["x"] + b["width"] <= 390
            for label in ("Fråga", "Sök", "Rapporter", "Lägg till rapport"):
                expect(nav.get_by_text(label, exact=True)).to_be_visible()
            # The examples wrap instead of ending in "…".
            example = page.get_by_role("button", name=EXAMPLE)
            b = example.bounding_box()
            assert b is not None and b["x"] + b["width"] <= 390 and b["height"] > 45
            assert box.bounding_box()["y"] < b["y"]  # type: ignore[index]
            shot = _shots(tmp_path) / "mobil.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()


@pytest.mark.slow
def test_confidence_shown_and_export_links_are_the_uis(
    ui_url: str, api_url: str, tmp_path: Path
) -> None:
    from urllib.parse import quote

    from docx import Document
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 1000}, locale="sv-SE", accept_downloads=True
            )
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_url)
            page = context.new_page()
            page.goto(f"{ui_url}/?fraga={quote(QUESTION)}", wait_until="domcontentloaded")
            meter = page.locator(".rs-confidence")
            expect(meter).to_be_visible(timeout=60_000)
            expect(meter).to_contain_text(re.compile(r"Säkerhet: (hög|medel|låg)"))
            expect(meter).to_have_attribute("title", re.compile(r"\d+ %$"))
            with page.expect_download(timeout=30_000) as info:
                page.get_by_role("button", name="Ladda ner (Word)").click()
            path = tmp_path / "svar.docx"
            info.value.save_as(path)
            links = [h.address for p in Document(str(path)).paragraphs for h in p.hyperlinks]
            # The report's link and the answer's, both at the UI's own address.
            assert links and all(link.startswith(f"{ui_url}/?") for link in links), links
            assert f"{ui_url}/?vy=rapporter&rapport=timra" in links[0]
            # The copied Markdown links to the UI too.
            page.get_by_role("button", name="Kopiera svar med källor").click()
            expect(page.locator("#rs-copied")).to_have_text(" Kopierat.")
            copied = page.evaluate("navigator.clipboard.readText()")
            assert f"Länk: {links[0]}\n" in copied and api_url not in copied
            assert f"Svaret i Rapportsök: {ui_url}/?fraga=" in copied
            # The link opens the report in the UI, with its file to download.
            page.goto(links[0], wait_until="domcontentloaded")
            expect(page.get_by_role("button", name="Ladda ner hela rapporten")).to_have_count(
                1, timeout=30_000
            )
            expect(page.get_by_role("button", name="Visa alla rapporter")).to_be_visible()
        finally:
            browser.close()


ABSTAINS = "Hur många invånare har Göteborg?"


@pytest.mark.slow
def test_thumbs_up_on_an_abstention_lands_in_the_database_and_the_export(
    ui_url: str, ui_data: Path, tmp_path: Path
) -> None:
    from urllib.parse import quote

    from playwright.sync_api import expect, sync_playwright

    from rapportsok.cli import main
    from ui import feedback

    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="sv-SE")
            page.goto(f"{ui_url}/?fraga={quote(ABSTAINS)}", wait_until="domcontentloaded")
            expect(page.get_by_text("Inget svar i rapporterna.")).to_be_visible(timeout=60_000)
            page.locator("[data-testid='stFeedback'] button").first.click()  # 👍
            comment = page.get_by_label("Kommentar (valfri)")
            expect(comment).to_be_visible(timeout=30_000)
            comment.fill("Rätt: ingen rapport från Göteborg.")
            page.get_by_role("button", name="Skicka omdöme").click()
            expect(page.get_by_text("Tack! Ditt omdöme är sparat.")).to_be_visible(timeout=30_000)
        finally:
            browser.close()
    db = feedback.feedback_path(ui_data / "index")
    [vote] = [v for v in feedback.load(db) if v.question == ABSTAINS]
    assert (vote.rating, vote.answered, vote.comment) == (
        "up",
        False,
        "Rätt: ingen rapport från Göteborg.",
    )
    out = tmp_path / "fb.jsonl"
    assert main(["feedback", "export", "--db", str(db), "--out", str(out)]) == 0
    questions = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert {"question": ABSTAINS, "type": "unanswerable"}.items() <= questions[-1].items()
    said = json.loads(feedback.feedback_out(out).read_text("utf-8").splitlines()[-1])
    assert said["comment"] == "Rätt: ingen rapport från Göteborg."


@pytest.mark.slow
def test_on_a_phone_the_answer_stands_right_under_the_question(ui_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_page(
                viewport={"width": 390, "height": 844}, locale="sv-SE", is_mobile=True
            )
            page.goto(ui_url, wait_until="domcontentloaded")
            box = page.get_by_label("Din fråga")
            expect(box).to_be_visible(timeout=30_000)
            expect(page.get_by_role("button", name=EXAMPLE)).to_be_visible()
            box.fill(QUESTION)
            box.press("Enter")
            answer = page.locator(".rs-answer")
            expect(answer).to_contain_text("6,4 %", timeout=60_000)
            # The examples folded away; the answer's first line on the first screen.
            expect(page.get_by_role("button", name=EXAMPLE)).not_to_be_visible()
            assert page.evaluate("window.scrollY") == 0
            b = answer.bounding_box()
            assert b is not None and b["y"] >= 0 and b["y"] + 30 <= 844, b
            shot = _shots(tmp_path) / "mobil-svar.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()

"""End to end: the real API and the real Streamlit server on free loopback ports, driven in
headless Chromium (Debian's package, through Playwright's Python API; no browser download)."""

from __future__ import annotations

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
            citation = card.locator("code")
            expect(citation).to_contain_text("Timrå kommun, Delårsrapport 2021, ")
            expect(citation).to_contain_text(" › ")
            expect(card.locator("mark").first).to_be_visible()
            shot = tmp_path / "answer.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()

"""`rapportsok loadtest --hostile`: its hostile files are what they claim, and its verdict
follows the targets (p95 at most 2× idle, no answer ≥ 500, RSS within +150 MB)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber

from eval.hostile import HostileReport, image_pages_pdf, one_paragraph
from eval.loadtest import LoadReport


def test_the_ocr_bomb_is_pages_of_one_image_and_no_text(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(image_pages_pdf(5))
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 5
        assert all(len(p.images) == 1 and not p.chars for p in pdf.pages)
    assert len(image_pages_pdf(120)) < 30_000  # one image shared by every page


def test_the_paragraph_has_no_full_stop() -> None:
    text = one_paragraph().decode()
    assert text.startswith("Rubrik\n\n") and "." not in text and "\n" not in text[8:]
    assert len(text.split()) == 12_001


def _load(*ms: float) -> LoadReport:
    return LoadReport(seconds=30, clients=8, latencies={"/search": list(ms)})


def test_the_verdict_follows_the_targets() -> None:
    idle, calm = _load(*[10.0] * 20), {"uploads": _load(*[10.0] * 20)}
    fine = {"long queries": _load(*[19.0] * 20), "uploads": _load(*[12.0] * 20)}
    assert HostileReport(idle, fine, idle_rss_mb=500, peak_rss_mb=640).ok
    slow = {"long queries": _load(*[21.0] * 20), "uploads": _load(*[10.0] * 20)}
    assert not HostileReport(idle, slow).ok  # one phase's p95 over 2× idle
    assert not HostileReport(idle, calm, idle_rss_mb=500, peak_rss_mb=651).ok
    assert not HostileReport(idle, calm, errors=["long query: 500"]).ok

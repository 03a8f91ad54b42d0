"""The answer's confidence in words and a bar: the bands and what the reader sees."""

from __future__ import annotations

import pytest

from ui import confidence


def test_bands_at_their_edges() -> None:
    # HIGH = 0.85, MEDIUM = 0.70: each edge belongs to the band above it.
    assert confidence.band(0.99) == "hög"
    assert confidence.band(0.85) == "hög"
    assert confidence.band(0.8499) == "medel"
    assert confidence.band(0.70) == "medel"
    assert confidence.band(0.6999) == "låg"
    assert confidence.band(0.0) == "låg"


def test_a_confidence_outside_0_1_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1, got 1.2"):
        confidence.band(1.2)


def test_html_says_the_band_and_gives_the_number_on_hover() -> None:
    html = confidence.confidence_html(0.764)
    assert "Säkerhet: <strong>medel</strong>" in html
    assert 'title="Läsarens sannolikhet att svaret besvarar frågan: 76 %"' in html
    assert 'style="width:76%"' in html and 'aria-valuenow="76"' in html
    assert "rs-confidence-medel" in html
    assert "rs-confidence-lag" in confidence.confidence_html(0.66)

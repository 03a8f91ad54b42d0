"""The answer's confidence as a reader sees it: "Säkerhet: hög / medel / låg" and a bar,
the number itself on hover. Pure functions; `ui.answer` shows them.

The bands live here, next to the rendering, because the API gives the reader's probability
(`confidence`, 0–1) but not the threshold it answers from. The reader answers only from its
model's threshold (0.66 in search/answer_model.json when these bands were set), so every
answer shown is at least that sure; the bands split what is left into three steps a reader
can act on. Whether the quote itself is doubtful is the reader's own decision, sent as
`uncertain` ("Osäkert svar – kontrollera källan"), and is not inferred from these bands.
"""

from __future__ import annotations

from typing import Literal

Band = Literal["hög", "medel", "låg"]
HIGH = 0.85  # from here: "hög"
MEDIUM = 0.70  # from here: "medel"; below it (the reader's lowest answers): "låg"


def band(confidence: float) -> Band:
    """'hög', 'medel' or 'låg' for a confidence between 0 and 1."""
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if confidence >= HIGH:
        return "hög"
    if confidence >= MEDIUM:
        return "medel"
    return "låg"


def percent(confidence: float) -> str:
    """'87 %' (Swedish: a space before the sign)."""
    return f"{round(confidence * 100)} %"


def confidence_html(confidence: float) -> str:
    """'Säkerhet: hög' with a bar filled to the confidence; the percentage on hover."""
    b = band(confidence)
    width = round(confidence * 100)
    tip = f"Läsarens sannolikhet att svaret besvarar frågan: {percent(confidence)}"
    return (
        f'<div class="rs-confidence rs-confidence-{_slug(b)}" title="{tip}">'
        f'<span class="rs-confidence-label">Säkerhet: <strong>{b}</strong></span>'
        f'<span class="rs-confidence-bar" role="meter" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{width}" aria-label="Säkerhet {percent(confidence)}">'
        f'<span style="width:{width}%"></span></span></div>'
    )


def _slug(b: Band) -> str:
    return {"hög": "hog", "medel": "medel", "låg": "lag"}[b]


CSS = """
.rs-confidence { display: flex; align-items: center; gap: .6em; margin: 0 0 .5em 0;
  font-size: .95em; cursor: help; }
.rs-confidence-bar { display: inline-block; width: 7em; height: .55em; background: #e6e9ee;
  border-radius: .3em; overflow: hidden; }
.rs-confidence-bar > span { display: block; height: 100%; border-radius: .3em; }
.rs-confidence-hog .rs-confidence-bar > span { background: #2e9e5b; }
.rs-confidence-medel .rs-confidence-bar > span { background: #e8a33d; }
.rs-confidence-lag .rs-confidence-bar > span { background: #d0574b; }
"""

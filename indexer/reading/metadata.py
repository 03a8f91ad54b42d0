"""Report metadata: inferred from the file name and the document's own front matter (its
title page and headings), overridden by the catalogue.

Only the front counts for the report type and the municipality: a bill that cites
"årsredovisningslagen" is no Årsredovisning, and one mention of "Gotlands kommun" in the
body makes no report Gotland's. What the front does not say stays unknown, unless one
municipality clearly dominates the whole text.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.models import Document, Source
from rapportsok.text import MD_HEADING

CATALOGUE_NAME = "catalogue.toml"
_REPORT_TYPES = {
    "delårsrapport": "Delårsrapport",
    "delarsrapport": "Delårsrapport",
    "årsredovisning": "Årsredovisning",
    "arsredovisning": "Årsredovisning",
    "verksamhetsberättelse": "Verksamhetsberättelse",
    "årsrapport": "Årsrapport",
    "tertialrapport": "Tertialrapport",
    "verksamhetsplan": "Verksamhetsplan",
    "mål och budget": "Budget",
    "budget 20": "Budget",  # "Budget 2024", not "Driftbudget" or "budgetavvikelse"
}
_FRONT_CHARS = 1500  # a text report's title page: its first lines
# The report's own year: this century only, narrower than rapportsok.text.YEAR, as a front
# page also cites 19xx laws and decisions ("kommunallagen (1991:900)") that date no report.
_REPORT_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_DOMINANT_MENTIONS = 5  # a municipality named this often, and
_DOMINANT_SHARE = 0.8  # this share of all "X kommun" mentions, is the report's
_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december"
_NOT_PLACES = {"Hela", "Vår", "Varje", "Samma", "Denna", "Kommunen", "Vilken", "Din", "Er", "En"}


def doc_id_for(path: Path) -> str:
    """Stable document id: the file name without suffix, lower-case, safe characters."""
    return re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-") or "report"


def load_catalogue(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Entries of `corpus/catalogue.toml`, keyed by file name (missing file: empty)."""
    path = corpus_dir / CATALOGUE_NAME
    if not path.exists():
        return {}
    with path.open("rb") as f:
        data = tomllib.load(f)
    reports = data.get("reports", {})
    return {str(k): dict(v) for k, v in reports.items()}


def _mentions(text: str) -> Counter[str]:
    """How often each 'X kommun' / 'Xs kommun' / 'X KOMMUN' is named in `text`."""
    name_re = r"\b([A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?)s?\s+[Kk]ommuns?\b"
    counts = Counter(
        m.group(1) for m in re.finditer(name_re, text) if m.group(1) not in _NOT_PLACES
    )
    upper = Counter(
        m.group(1).capitalize() for m in re.finditer(r"\b([A-ZÅÄÖ]{3,})S?\s+KOMMUN\b", text)
    )
    counts.update(upper)
    return counts


def _municipality(front: str, text: str) -> str | None:
    """The municipality the front names most, else one that dominates the whole text; the
    genitive -s is removed when the bare name also occurs ('Köpings kommun' → 'Köping')."""
    counts = _mentions(front)
    if not counts:
        whole = _mentions(text)
        if not whole:
            return None
        name, n = whole.most_common(1)[0]
        if n < _DOMINANT_MENTIONS or n < _DOMINANT_SHARE * sum(whole.values()):
            return None
        counts = Counter({name: n})
    name = counts.most_common(1)[0][0]
    if name.endswith("s") and re.search(rf"\b{name[:-1]}\b", text, re.IGNORECASE):
        name = name[:-1]
    return name


def _md_headings(text: str) -> Iterator[tuple[int, str]]:
    """(level, title) of each Markdown heading with a title, in text order."""
    for line in text.split("\n"):
        m = MD_HEADING.match(line)
        if m and m.group(2):
            yield len(m.group(1)), m.group(2)


def front_matter(source: Source) -> str:
    """The report's title page (a PDF's first page, a text's first lines) and its headings."""
    text = source.text
    end = source.page_starts[1] if len(source.page_starts) > 1 else _FRONT_CHARS
    headings = [text[s:e] for s, e, _ in source.headings]
    headings += [title for _, title in _md_headings(text)]
    return text[:end] + "\n" + "\n".join(headings)


def title_of(source: Source) -> str | None:
    """The document's own title: a Markdown `# Title` near the top, else a PDF's first
    top-level heading on its first page; markup stripped."""
    text = source.text
    raw = next(
        (title for level, title in _md_headings(text[: _FRONT_CHARS * 2]) if level == 1), None
    )
    if raw is None:
        first_page_end = source.page_starts[1] if len(source.page_starts) > 1 else len(text)
        top = [(s, e) for s, e, level in source.headings if level == 1 and s < first_page_end]
        if not top:
            return None
        raw = text[top[0][0] : top[0][1]]
    title = " ".join(re.sub(r"\*\*|__|\\(?=[^\w\s])", "", raw).split())
    return title or None


def infer_metadata(path: Path, source: Source) -> dict[str, Any]:
    """What the file name and the document's front matter say about a report."""
    head = source.text[:6000]
    front = front_matter(source)
    stem = path.stem.lower()
    out: dict[str, Any] = {}
    if title := title_of(source):
        out["title"] = title
    for key, value in _REPORT_TYPES.items():
        if key in stem.replace("-", " ") or key in front.lower():
            out["report_type"] = value
            break
    year = _REPORT_YEAR.search(stem) or _REPORT_YEAR.search(front)
    if year:
        out["year"] = int(year.group(1))
    if municipality := _municipality(front, source.text):
        out["municipality"] = municipality
    if re.search(r"\bkommunstyrelsen", stem + head.lower()):
        out["organ"] = "Kommunstyrelsen"
    period = re.search(rf"januari\s*[-–]\s*({_MONTHS.replace(' ', '|')})", head, re.IGNORECASE)
    if period:
        out["period"] = f"januari–{period.group(1).lower()}"
    elif out.get("report_type") == "Årsredovisning":
        out["period"] = "januari–december"
    return out


def build_document(
    path: Path, source: Source, sha256: str, catalogue: dict[str, dict[str, Any]]
) -> Document:
    """The Document for a report: inferred metadata, then its catalogue entry on top."""
    meta = infer_metadata(path, source)
    meta.update(catalogue.get(path.name, {}))
    title = meta.get("title") or " ".join(
        str(p) for p in (meta.get("report_type") or path.stem, meta.get("year")) if p
    )
    return Document(
        id=doc_id_for(path),
        path=path.name,
        sha256=sha256,
        title=title,
        municipality=meta.get("municipality"),
        organ=meta.get("organ"),
        report_type=meta.get("report_type"),
        year=meta.get("year"),
        period=meta.get("period"),
        pages=len(source.page_starts) or None,
    )

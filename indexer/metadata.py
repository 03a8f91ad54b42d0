"""Report metadata: inferred from the file name and text, overridden by the catalogue."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from indexer.models import Document, Source

CATALOGUE_NAME = "catalogue.toml"
_REPORT_TYPES = {
    "delårsrapport": "Delårsrapport",
    "delarsrapport": "Delårsrapport",
    "årsredovisning": "Årsredovisning",
    "arsredovisning": "Årsredovisning",
    "verksamhetsberättelse": "Verksamhetsberättelse",
    "årsrapport": "Årsrapport",
    "tertialrapport": "Tertialrapport",
}
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


def _municipality(text: str) -> str | None:
    """Most frequent 'X kommun' / 'Xs kommun' in the text, genitive -s removed when the
    bare name also occurs ('Köpings kommun' → 'Köping')."""
    name_re = r"\b([A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?)s? [Kk]ommuns?\b"
    counts = Counter(
        m.group(1) for m in re.finditer(name_re, text) if m.group(1) not in _NOT_PLACES
    )
    upper = Counter(
        m.group(1).capitalize() for m in re.finditer(r"\b([A-ZÅÄÖ]{3,})S? KOMMUN\b", text)
    )
    counts.update(upper)
    if not counts:
        return None
    name = counts.most_common(1)[0][0]
    if name.endswith("s") and re.search(rf"\b{name[:-1]}\b", text, re.IGNORECASE):
        name = name[:-1]
    return name


def infer_metadata(path: Path, source: Source) -> dict[str, Any]:
    """What the file name and the first pages say about a report."""
    head = source.text[:6000]
    stem = path.stem.lower()
    out: dict[str, Any] = {}
    for key, value in _REPORT_TYPES.items():
        if key in stem or key in head.lower():
            out["report_type"] = value
            break
    year = re.search(r"(?<!\d)(20\d\d)(?!\d)", stem) or re.search(r"(?<!\d)(20\d\d)(?!\d)", head)
    if year:
        out["year"] = int(year.group(1))
    if municipality := _municipality(source.text):
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

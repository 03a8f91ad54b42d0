"""Report metadata read from the document: its title page, its first lines, its PDF
properties and its file name, overridden by the catalogue (where uploads write theirs).

Each field records where its value came from (`Document.sources`); what no source says
stays None, never a default. Only the front counts for the kind of report and its
organisation: a bill that cites "årsredovisningslagen" is no Årsredovisning, and one mention
of "Gotlands kommun" in the body makes no report Gotland's. What the front does not say
stays unknown, unless one municipality clearly dominates the whole text.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.models import Document, Source
from rapportsok.places import fold_name, municipality_named, organisation_of
from rapportsok.text import MD_HEADING

CATALOGUE_NAME = "catalogue.toml"
_FRONT_CHARS = 1500  # a text report's title page: its first lines
_DOMINANT_MENTIONS = 5  # a municipality named this often, and
_DOMINANT_SHARE = 0.8  # this share of all "X kommun" mentions, is the report's
_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december"
_NOT_PLACES = {"Hela", "Vår", "Varje", "Samma", "Denna", "Kommunen", "Vilken", "Din", "Er", "En"}


# Letters NFKD does not split into a base letter and a mark (å, ä, ö, é do: a, a, o, e).
_ID_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "đ": "d", "ł": "l", "ı": "i"}
)
_ID_HASH_HEX = 10  # 40 bits of sha256: distinct names get distinct ids in any real corpus


def doc_id_for(path: Path) -> str:
    """Stable document id: the file name without suffix, lower-case, safe ASCII characters.

    Swedish (and other Latin) letters are folded to their base letter (`Årsredovisning Håbo`
    -> `arsredovisning-habo`). A name with letters or digits of another script, or with none
    at all, gets a short hash of the whole name (`rapport-3fa1...`, or the hash alone), so
    two such reports never share an id.
    """
    stem = unicodedata.normalize("NFC", path.stem).lower()
    folded = unicodedata.normalize("NFKD", stem.translate(_ID_LETTERS))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    ascii_id = re.sub(r"[^a-z0-9._-]+", "-", folded).strip("-")
    # A letter, digit or undecodable byte the ASCII id cannot keep (punctuation may go).
    lost = any(not ch.isascii() and unicodedata.category(ch)[0] not in "PSZ" for ch in folded)
    if ascii_id and not lost:
        return ascii_id
    digest = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:_ID_HASH_HEX]
    return f"{ascii_id}-{digest}" if ascii_id else digest


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


FIELDS = ("title", "organisation", "municipality", "organ", "report_type", "year", "period")

# Kinds of report, matched on accent-folded text (a file name has no å, ä, ö): the earliest
# in a text wins, the longer at the same place. The generic words (a "plan", a "program")
# count only in a title, a PDF's Title or the file name: a body is full of them.
_KINDS: tuple[tuple[str, str, bool], ...] = (
    (r"delars(?:rapport|bokslut)", "Delårsrapport", False),
    (r"arsredovisning", "Årsredovisning", False),
    (r"arsbokslut", "Årsbokslut", False),
    (r"verksamhetsberattelse", "Verksamhetsberättelse", False),
    (r"arsredogorelse", "Årsredogörelse", False),
    (r"arsrapport", "Årsrapport", False),
    (r"tertialrapport", "Tertialrapport", False),
    (r"manadsrapport|manadsuppfoljning", "Månadsrapport", False),
    (r"budgetskrivelse", "Budgetskrivelse", False),
    (r"mal och budget|\bbudget[ -]?20\d\d", "Budget", False),  # not "Driftbudget 2024"
    (r"verksamhetsplan", "Verksamhetsplan", False),
    (r"revisionsberattelse", "Revisionsberättelse", False),
    (r"granskningsrapport|revisionsrapport", "Granskningsrapport", False),
    (r"risk-? ?och ?sarbarhetsanalys", "Risk- och sårbarhetsanalys", False),
    (r"penningpolitisk ?rapport", "Penningpolitisk rapport", False),
    (r"^granskning av|rapportsammandrag", "Granskningsrapport", True),
    (r"riktlinje", "Riktlinje", True),
    (r"vagledning|handledning|handbok|guiden?\b", "Vägledning", True),
    (r"policy", "Policy", True),
    (r"strategi", "Strategi", True),
    (r"protokoll", "Protokoll", True),
    (r"program\b", "Program", True),
    (r"plan\b", "Plan", True),
)
_KIND_RES = tuple((re.compile(p, re.MULTILINE), kind, generic) for p, kind, generic in _KINDS)
# The report's own year: this century only, narrower than rapportsok.text.YEAR, as a front
# page also cites 19xx laws and decisions ("kommunallagen (1991:900)", "SFS 2010:1") that
# date no report.
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?![\d:])")
# A deadline's year dates no report: "yttrandet senast den 21 juni 2024" on a missive
# written "den 19 september 2023". "senast" up to 30 characters (a line break included)
# before the year marks it.
_DEADLINE = re.compile(r"\bsenast(?!\w)[\s\S]{0,30}$", re.IGNORECASE)
_PERIOD_KINDS = {"Delårsrapport", "Tertialrapport", "Månadsrapport"}
_WHOLE_YEAR_KINDS = {"Årsredovisning", "Årsbokslut"}
# Public bodies that are no municipality, named on a cover or in a PDF's properties.
_BODIES = (
    (re.compile(r"\bsveriges\s*riksbank|\briksbanken\b", re.IGNORECASE), "Sveriges riksbank"),
    (re.compile(r"\briksrevisionen\b", re.IGNORECASE), "Riksrevisionen"),
    (
        re.compile(r"\bsveriges\s+kommuner\s+och\s+regioner\b", re.IGNORECASE),
        "Sveriges Kommuner och Regioner",
    ),
    (
        re.compile(r"\bmyndigheten\s+för\s+samhällsskydd\s+och\s+beredskap\b", re.IGNORECASE),
        "Myndigheten för samhällsskydd och beredskap",
    ),
)
_REGION = re.compile(r"\bRegion\s+([A-ZÅÄÖ][a-zåäö]+(?:\s+[A-ZÅÄÖ][a-zåäö]+)?)")
_MUNICIPAL = re.compile(
    r"\b([A-ZÅÄÖ][a-zåäöé]+(?:[ -][A-ZÅÄÖ][a-zåäöé]+)?|[A-ZÅÄÖ]{3,})\s+"
    r"(kommuns?|[Ss]tads?|KOMMUNS?|STADS?)\b"
)
# The nämnd, styrelse, revision or förvaltning that wrote a report. Not kommunfullmäktige:
# a report is addressed to it far more often than written by it.
_ORGAN = re.compile(
    r"(?<![\w-])("
    r"[Nn]ämnden för [a-zåäöA-ZÅÄÖ]+(?:-? och [a-zåäö]+)?"
    r"|[A-ZÅÄÖa-zåäö][a-zåäö]*-? och [a-zåäö]+nämnden"
    r"|[A-ZÅÄÖa-zåäö][a-zåäö]*(?:nämnden|förvaltningen|ledningskontoret|enhetens?)"
    r"|[Kk]ommunstyrelsen|[Rr]egionstyrelsen|[Ss]tadsrevisionen|[Rr]evisorsgruppen"
    r"|[Rr]evisorskollegiet|[Rr]äddningstjänsten"
    r")(?![\w-])"
)
_ADDRESSEE = re.compile(r"\b(?:till|mot|hos|från)\s+$", re.IGNORECASE)
_FILE_ORGANS = {
    "kommunstyrelsen": "Kommunstyrelsen",
    "regionstyrelsen": "Regionstyrelsen",
    "stadsrevisionen": "Stadsrevisionen",
    "revisionen": "Revisionen",
}
_SPACED = re.compile(r"\b(?:\w ){2,}\w\b")  # "S V E R I G E S" on a letter-spaced cover
_TITLE_GAP = 1.6  # lines of a title are at most this many font sizes apart
_COVER_TITLE_MIN = 13.0  # pt: a cover's title is set larger than running text


class _Found:
    """Field values with the source of each; the first source to give a field keeps it."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str] = {}

    def put(self, name: str, value: Any, source: str) -> None:
        if value is not None and value != "" and name not in self.values:
            self.values[name] = value
            self.sources[name] = source


def _report_year(text: str) -> int | None:
    """The first year of this century in `text` that is no deadline's."""
    for m in _YEAR.finditer(text):
        if not _DEADLINE.search(text, 0, m.start()):
            return int(m.group(1))
    return None


def cover_title(source: Source) -> str | None:
    """The title printed on a PDF's first page: its largest lines, taken together while
    they follow each other, with a short dated line of the same size after them ("Juli
    2014"); None when nothing on the page is larger than running text."""
    lines = [(" ".join(t.split()), size, top) for t, size, top in source.cover if t.strip()]
    if not lines:
        return None
    biggest = max(size for _, size, _ in lines)
    if biggest < _COVER_TITLE_MIN:
        return None
    blocks: list[list[str]] = []
    last_top: float | None = None
    for text, size, top in sorted(lines, key=lambda ln: ln[2]):
        if abs(size - biggest) > 0.6:
            continue
        if last_top is not None and top - last_top <= _TITLE_GAP * biggest:
            blocks[-1].append(text)
        else:
            blocks.append([text])
        last_top = top
    title = " ".join(blocks[0])
    for block in blocks[1:]:
        text = " ".join(block)
        if len(text.split()) <= 3 and _YEAR.search(text):
            title += " " + text
        else:
            break
    title = re.sub(r"(\d)-\s+(?=[a-zåäö])", r"\1 – ", title)  # "mars 2026- nämnder"
    return title.strip() or None


def _kind(text: str, titles: bool) -> str | None:
    """The kind of report `text` names first (generic words only when `titles`)."""
    folded = fold_name(text)
    best: tuple[int, int, str] | None = None
    for rank, (pattern, kind, generic) in enumerate(_KIND_RES):
        if generic and not titles:
            continue
        m = pattern.search(folded)
        if m and (best is None or (m.start(), rank) < best[:2]):
            best = (m.start(), rank, kind)
    return best[2] if best else None


def _organs(text: str) -> list[str]:
    """The organs `text` names as a writer, in order (not "till kommunstyrelsen")."""
    found = []
    for m in _ORGAN.finditer(text):
        if _ADDRESSEE.search(text[max(0, m.start() - 8) : m.start()]):
            continue
        organ = m.group(1)
        if organ.endswith("enhetens"):
            organ = organ[:-1]
        found.append(organ[0].upper() + organ[1:])
    return found


def _organisation(text: str, bodies: bool) -> tuple[str, str | None] | None:
    """The first organisation `text` names, as (organisation, municipality): a
    municipality's ("Borlänge kommuns" → Borlänge), a region's, or (when `bodies`) a
    national body's."""
    text = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    found: list[tuple[int, str, str | None]] = []
    for mention in _MUNICIPAL.finditer(text):
        if (name := municipality_named(mention.group(1))) is not None:
            found.append((mention.start(), "", name))
            break
    if region := _REGION.search(text):
        found.append((region.start(), f"Region {region.group(1)}", None))
    if bodies:
        for pattern, body in _BODIES:
            if named := pattern.search(text):
                found.append((named.start(), body, None))
    if not found:
        return None
    _, organisation, municipality = min(found, key=lambda f: f[0])
    return organisation, municipality


def _spelling(municipality: str, text: str) -> str:
    """How the text most often names the municipality's organisation ("Göteborgs Stad",
    "Simrishamns kommun"), else its usual name."""
    stem = re.escape(municipality)
    counts = Counter(
        f"{m.group(1)} {m.group(2)}"
        for m in re.finditer(rf"\b({stem}s?)\s+(kommun|[Ss]tad)s?\b", text)
    )
    return counts.most_common(1)[0][0] if counts else organisation_of(municipality)


def _file_municipality(stem: str, text: str) -> str | None:
    """A municipality the file name names, when the text names it too (or has no text)."""
    for token in re.split(r"[^a-zåäö]+", stem.lower()):
        if len(token) >= 3 and (name := municipality_named(token)) is not None:
            if not text.strip() or re.search(rf"\b{re.escape(name)}", text):
                return name
    return None


def _front(source: Source) -> str:
    """The report's first lines: a PDF's first page (and its second when the first is a
    bare cover), a text's first `_FRONT_CHARS` characters."""
    starts = source.page_starts
    if len(starts) > 1:
        end = starts[1]
        if end < 200 and len(starts) > 2:
            end = starts[2]
        return source.text[: min(end, _FRONT_CHARS * 2)]
    return source.text[:_FRONT_CHARS]


def read_metadata(path: Path, source: Source) -> tuple[dict[str, Any], dict[str, str]]:
    """What the document says about itself: the fields `FIELDS` it gives, and per field
    where its value came from ("cover", "properties", "front", "file name", "text")."""
    found = _Found()
    props = source.properties
    stem = path.stem
    cover = "\n".join(t for t, _, _ in source.cover)
    front = _front(source)
    prop_title = re.sub(r"\.(pdf|docx?)$", "", props.get("Title", ""), flags=re.IGNORECASE)
    named_by = "\n".join(props.get(k, "") for k in ("Title", "Subject", "Keywords", "Author"))
    # Title: the cover's large print, a Markdown title or PDF heading, the PDF's Title.
    found.put("title", cover_title(source), "cover")
    found.put("title", title_of(source), "front")
    found.put("title", prop_title or None, "properties")
    title = found.values.get("title", "")
    title_source = found.sources.get("title", "")
    readable_stem = stem.replace("-", " ").replace("_", " ")

    found.put("report_type", _kind(title, titles=True), title_source)
    found.put("report_type", _kind(cover, titles=False), "cover")
    found.put("report_type", _kind(front, titles=False), "front")
    found.put("report_type", _kind(prop_title, titles=True), "properties")
    found.put("report_type", _kind(named_by, titles=False), "properties")
    found.put("report_type", _kind(readable_stem, titles=True), "file name")

    for text, where in ((title, title_source), (cover, "cover")):
        found.put("year", _report_year(text), where)
    found.put("year", _report_year(stem), "file name")
    for text, where in ((prop_title, "properties"), (front, "front")):
        found.put("year", _report_year(text), where)

    # Organisation and municipality: the first source that names one decides both.
    for text, where, bodies in (
        (cover, "cover", True),
        (named_by, "properties", True),
        (front, "front", False),
    ):
        if (org := _organisation(text, bodies)) is not None:
            organisation, municipality = org
            found.put("organisation", organisation or None, where)
            found.put("municipality", municipality, where)
            break
    if "organisation" not in found.values:
        found.put("municipality", _file_municipality(stem, source.text), "file name")
        dominant = _municipality(front_matter(source), source.text)
        found.put("municipality", dominant and municipality_named(dominant), "text")
    if (name := found.values.get("municipality")) is not None:
        # The organisation as the text spells it, from where the municipality came.
        found.put("organisation", _spelling(name, source.text), found.sources["municipality"])

    for text, where in (
        (cover, "cover"),
        (props.get("Author", ""), "properties"),
        (front, "front"),
    ):
        if organs := _organs(text):
            found.put("organ", organs[0], where)
    for token in re.split(r"[^a-z]+", stem.lower()):
        found.put("organ", _FILE_ORGANS.get(token), "file name")

    kind = found.values.get("report_type")
    period = re.search(rf"januari\s*[-–]\s*({_MONTHS.replace(' ', '|')})", front, re.IGNORECASE)
    month = re.search(rf"\b({_MONTHS.replace(' ', '|')})\b", title, re.IGNORECASE)
    if period:
        found.put("period", f"januari–{period.group(1).lower()}", "front")
    elif kind in _PERIOD_KINDS and month:
        found.put("period", f"januari–{month.group(1).lower()}", title_source)
    elif kind in _WHOLE_YEAR_KINDS:
        found.put("period", "januari–december", found.sources["report_type"])
    return found.values, found.sources


def infer_metadata(path: Path, source: Source) -> dict[str, Any]:
    """What the file name and the document's front matter say about a report (the values
    of `read_metadata`)."""
    return read_metadata(path, source)[0]


def build_document(
    path: Path, source: Source, sha256: str, catalogue: dict[str, dict[str, Any]]
) -> Document:
    """The Document for a report: what the document says, then its catalogue entry (also
    an upload's fields) on top, each field with its source."""
    meta, sources = read_metadata(path, source)
    entry = {k: v for k, v in catalogue.get(path.name, {}).items() if k in FIELDS}
    named = entry.get("municipality")
    if named and "organisation" not in entry and meta.get("municipality") != named:
        # The catalogue's municipality, so its organisation too (not one the text named).
        meta["organisation"] = _spelling(str(named), source.text)
        sources["organisation"] = "catalogue"
    meta.update(entry)
    sources.update(dict.fromkeys(entry, "catalogue"))
    title = meta.get("title")
    if not title:  # a Document has a title: the kind and year, else the file name's
        first = meta.get("report_type") or path.stem
        title = " ".join(str(p) for p in (first, meta.get("year")) if p)
        sources["title"] = "report kind and year" if meta.get("report_type") else "file name"
    return Document(
        id=doc_id_for(path),
        path=path.name,
        sha256=sha256,
        title=str(title),
        municipality=meta.get("municipality"),
        organ=meta.get("organ"),
        report_type=meta.get("report_type"),
        year=meta.get("year"),
        period=meta.get("period"),
        pages=len(source.page_starts) or None,
        organisation=meta.get("organisation"),
        sources={k: sources[k] for k in FIELDS if k in sources and meta.get(k) is not None},
    )

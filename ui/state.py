"""What a page shows, as text that fits in a URL and in the browser's history list.

A politician shares an answer by copying the address bar, so the question, the view and the
filters live in the query string (`?fraga=…&vy=fraga&kommun=Timrå`). The last questions are
kept in a cookie of the browser (nothing is stored on the server); a cookie holds about
4 KB, so the list is trimmed to fit. Pure functions, unit-tested; the Streamlit glue is in
`ui.history`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote

View = Literal["Fråga", "Sök", "Rapporter", "Lägg till rapport"]
VIEWS: tuple[View, ...] = ("Fråga", "Sök", "Rapporter", "Lägg till rapport")
# The view as it reads in a URL (ASCII, so a shared link survives every mail client).
_SLUGS: dict[View, str] = {
    "Fråga": "fraga",
    "Sök": "sok",
    "Rapporter": "rapporter",
    "Lägg till rapport": "ladda-upp",
}
_BY_SLUG = {slug: view for view, slug in _SLUGS.items()}

HISTORY_COOKIE = "rapportsok_historik"
HISTORY_MAX = 20
COOKIE_BYTES = 3800  # browsers keep at most 4096 bytes per cookie, name included


@dataclass(frozen=True)
class PageState:
    """A question (or search) in a view with its filters: what a link reproduces."""

    view: View = "Fråga"
    question: str = ""
    municipalities: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    report_types: tuple[str, ...] = ()
    report: str = ""  # "Rapporter": the one report a citation's link opens

    def params(self) -> dict[str, str | list[str]]:
        """The query string: only what differs from a fresh page, so links stay short."""
        out: dict[str, str | list[str]] = {}
        if self.view != "Fråga":
            out["vy"] = _SLUGS[self.view]
        if self.question:
            out["fraga"] = self.question
        if self.municipalities:
            out["kommun"] = list(self.municipalities)
        if self.years:
            out["ar"] = [str(y) for y in self.years]
        if self.report_types:
            out["typ"] = list(self.report_types)
        if self.report:
            out["rapport"] = self.report
        return out


def from_params(params: Mapping[str, Sequence[str]]) -> PageState:
    """The state a URL asks for; unknown views and non-numeric years are dropped."""

    def first(key: str) -> str:
        values = params.get(key) or []
        return values[0].strip() if values else ""

    years = tuple(int(y) for y in params.get("ar", []) if y.strip().isdigit())
    return PageState(
        view=_BY_SLUG.get(first("vy"), "Fråga"),
        question=first("fraga"),
        municipalities=tuple(m for m in params.get("kommun", []) if m.strip()),
        years=years,
        report_types=tuple(t for t in params.get("typ", []) if t.strip()),
        report=first("rapport"),
    )


@dataclass(frozen=True)
class HistoryItem:
    """One earlier question: enough to ask it again (the answer is fetched anew)."""

    question: str
    view: View = "Fråga"
    filters: dict[str, list[str]] = field(default_factory=dict)  # as in the URL: kommun, ar, typ

    def state(self) -> PageState:
        """The page this item returns to."""
        params = {"fraga": [self.question], "vy": [_SLUGS[self.view]], **self.filters}
        return from_params(params)


def history_item(state: PageState) -> HistoryItem:
    """What the history keeps of a page: its question, view and filters."""
    params = state.params()
    filters = {k: v for k, v in params.items() if k in ("kommun", "ar", "typ")}
    return HistoryItem(state.question, state.view, {k: list(v) for k, v in filters.items()})


def add_to_history(items: Sequence[HistoryItem], item: HistoryItem) -> list[HistoryItem]:
    """`item` first; an earlier copy of the same question and view moves up, not twice."""
    rest = [i for i in items if (i.question, i.view) != (item.question, item.view)]
    return [item, *rest][:HISTORY_MAX]


def encode_history(items: Sequence[HistoryItem]) -> str:
    """The cookie value: URL-encoded JSON, the oldest questions dropped until it fits."""
    kept = list(items[:HISTORY_MAX])
    while True:
        data = [
            {"q": i.question, **({"v": _SLUGS[i.view]} if i.view != "Fråga" else {})}
            | ({"f": i.filters} if i.filters else {})
            for i in kept
        ]
        value = quote(json.dumps(data, ensure_ascii=False, separators=(",", ":")), safe="")
        if len(value) + len(HISTORY_COOKIE) + 1 <= COOKIE_BYTES or not kept:
            return value
        kept.pop()


def decode_history(value: str | None) -> list[HistoryItem]:
    """The history a cookie holds; a damaged or foreign cookie gives an empty history."""
    if not value:
        return []
    try:
        data = json.loads(unquote(value))
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    items: list[HistoryItem] = []
    for d in data:
        if not isinstance(d, dict) or not isinstance(d.get("q"), str) or not d["q"].strip():
            continue
        raw = d.get("f")
        filters = (
            {k: [str(x) for x in v] for k, v in raw.items() if isinstance(v, list)}
            if isinstance(raw, dict)
            else {}
        )
        items.append(HistoryItem(d["q"], _BY_SLUG.get(str(d.get("v", "")), "Fråga"), filters))
    return items[:HISTORY_MAX]

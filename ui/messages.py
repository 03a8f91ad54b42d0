"""The API's error details in plain Swedish. The API speaks English to programs ("question
must be at most 2000 characters, got 2599"); a politician reading the UI should never see
that, so each message the API is known to give has a Swedish sentence here, and anything
else becomes a general Swedish sentence (the technical text is shown apart, small)."""

from __future__ import annotations

import re

# What each request field is called to a reader.
_FIELDS = {"question": "Frågan", "query": "Söktexten"}
_FILTERS = {
    "municipality": "kommun",
    "year": "år",
    "report_type": "rapporttyp",
    "document_id": "rapport",
}

_EMPTY = re.compile(r"^(question|query) must not be empty$")
_TOO_LONG = re.compile(r"^(question|query) must be at most (\d+) characters, got (\d+)$")
_K = re.compile(r"^k must be between (\d+) and (\d+), got (-?\d+)$")
_FILTER = re.compile(r"unknown (municipality|year|report_type|document_id)", re.IGNORECASE)


def _one(detail: str) -> str | None:
    """One known API message in Swedish, or None."""
    detail = detail.strip()
    if m := _EMPTY.match(detail):
        return f"{_FIELDS[m.group(1)]} är tom. Skriv något att söka efter."
    if m := _TOO_LONG.match(detail):
        limit, got = m.group(2), m.group(3)
        return (
            f"{_FIELDS[m.group(1)]} är för lång: högst {limit} tecken går att skicka, "
            f"din har {got}. Korta den och försök igen."
        )
    if m := _K.match(detail):
        return f"Antalet stycken ska vara mellan {m.group(1)} och {m.group(2)}."
    if m := _FILTER.search(detail):
        return (
            f"Avgränsningen på {_FILTERS[m.group(1).lower()]} känns inte igen av sökservern. "
            "Ta bort den och försök igen."
        )
    return None


def swedish_error(status: int, detail: str) -> str:
    """Why the API refused a question or search, as one or more Swedish sentences."""
    if status in (400, 422):
        known = [s for s in (_one(part) for part in detail.split(";")) if s]
        if known:
            return " ".join(dict.fromkeys(known))
        return "Frågan kunde inte tas emot av sökservern. Prova att formulera om den."
    if status == 413:
        # Only a question or search is sent from these pages (filters are chosen from the
        # reports' own values), so a body too large is a question too long.
        return "Frågan är för lång för sökservern. Korta den till några meningar och försök igen."
    if status in (401, 403):
        return (
            "Sökservern kräver en läsnyckel som den här sidan inte har. Hör av dig till den "
            "som driver tjänsten."
        )
    if status == 404:
        return "Det som efterfrågades finns inte längre i sökindexet. Ladda om sidan."
    if status == 429:
        return "Sökservern har många frågor just nu. Vänta en liten stund och försök igen."
    return f"Sökservern kunde inte svara (fel {status}). Försök igen om en stund."

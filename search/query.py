"""Query understanding: what a question says about where to look and how it is asked.

Municipalities of the indexed reports (in any form: "Timrå", "Timrås", "Timras",
"Krokom's"), years, Swedish municipalities the index has no report from, and whether the
question is English. Used by retrieval (to scope the search) and by the answer reader.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapportsok.text import YEAR
from search.municipalities import named_municipalities

# English function words: two of them (and no Swedish stop word…) mark an English question.
_ENGLISH = frozenset(
    "what which who whom whose when where why how is are was were the of did does do has have "
    "to at by with and for from this that".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def fold(text: str) -> str:
    """Lower case without diacritics: "Köpings" → "kopings" (queries typed without å ä ö)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class QueryInfo:
    """What the query says about where to look: municipalities and years it names.

    `elsewhere` are Swedish municipalities the query names that no indexed report is from.
    """

    municipalities: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    elsewhere: tuple[str, ...] = ()


class QueryReader:
    """Reads queries against the municipalities of one index."""

    def __init__(self, municipalities: Iterable[str]) -> None:
        names = sorted(set(municipalities))
        # "Timrå", "Timrås", "Timras", "Krokom's", "Eskilstunas kommun": the name, maybe a
        # genitive -s, matched on the folded text so missing diacritics still match.
        self._patterns = {
            name: re.compile(rf"(?<!\w){re.escape(fold(name))}(?:s|'s|’s|:s)?(?!\w)")
            for name in names
        }
        self._folded = {fold(n) for n in names}

    def understand(self, query: str) -> QueryInfo:
        """Municipalities (of indexed reports) and years that the query names."""
        folded = fold(query)
        found = tuple(sorted(n for n, p in self._patterns.items() if p.search(folded)))
        years = tuple(sorted({int(y) for y in YEAR.findall(query)}))
        elsewhere = tuple(n for n in named_municipalities(query) if fold(n) not in self._folded)
        return QueryInfo(found, years, elsewhere)


def is_english(question: str) -> bool:
    """Whether a question reads as English: at least two English function words, and more
    of them than Swedish stop words ("What is the population of Uppsala?")."""
    from indexer.language.analyzer import STOP_WORDS

    words = [w.lower() for w in _WORD.findall(question)]
    english = sum(w in _ENGLISH for w in words)
    swedish = sum(w in STOP_WORDS for w in words)
    return english >= 2 and english > swedish

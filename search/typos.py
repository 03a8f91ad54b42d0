"""Typo correction against the index's own vocabulary.

"sjukfronvaro", "bibloteket", "hittils": a word none of whose analyzer terms the index
knows is matched to the closest term of the BM25 vocabulary (rapidfuzz, Swedish letters
folded so "a" meets "å"), and the corrected query is used for the lexical side and shown
back to the user ("Sökte på: sjukfrånvaro krokom"). Short words, numbers and English
questions are left alone: their "typos" are usually real words the reports do not use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from search.query import fold

MIN_WORD_CHARS = 5  # shorter words have too many close neighbours to correct safely
MIN_SIMILARITY = 84.0  # rapidfuzz ratio (0–100); one or two edits in a long word


@dataclass(frozen=True)
class Correction:
    """A query with its unknown words replaced; `words` maps each to its correction."""

    query: str
    words: tuple[tuple[str, str], ...]


class TypoCorrector:
    """Corrects the words of a query that the index's vocabulary does not know."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        spans: Callable[[str], list[tuple[int, int, frozenset[str]]]],
    ) -> None:
        self.vocabulary = frozenset(vocabulary)
        self._spans = spans
        # Folded form → the vocabulary term (the first, in sorted order, for ties).
        self._folded: dict[str, str] = {}
        for term in sorted(self.vocabulary):
            if term.isalpha() and len(term) >= MIN_WORD_CHARS - 1:
                self._folded.setdefault(fold(term), term)
        self._choices = list(self._folded)

    def correct(self, query: str) -> Correction | None:
        """The corrected query, or None when every word is known (or none can be fixed)."""
        out, pos, changes = [], 0, []
        for start, end, terms in self._spans(query):
            word = query[start:end]
            if not terms or terms & self.vocabulary or len(word) < MIN_WORD_CHARS:
                continue
            if not word.isalpha():
                continue
            match = process.extractOne(
                fold(word), self._choices, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY
            )
            if match is None:
                continue
            fixed = self._folded[match[0]]
            out.append(query[pos:start] + fixed)
            pos = end
            changes.append((word, fixed))
        if not changes:
            return None
        return Correction("".join(out) + query[pos:], tuple(changes))

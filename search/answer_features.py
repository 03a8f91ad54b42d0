"""What the answer scoring reads of a (question, answer unit) pair: 33 named features.

Each is computed where it varies: the question's own (its support, whether it asks an
amount, is English or asks a party's view) once per `Context`, the passage's (how much of
the question it and its section path cover, its rank, score and cosine with the question)
once per passage, and the rest per unit (coverage, its row label and column, the answer
type it holds, its kind, place and length). `FEATURES` fixes their order in the model's
weight vector (`search.answer_scoring.vector`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from search.query import AnswerType, QueryInfo

if TYPE_CHECKING:
    from indexer.models import Hit
    from search.retrieval import Searcher
    from search.units import Unit

FEATURES = (
    "coverage",
    "content_coverage",
    "content_matched",
    "passage_content_coverage",
    "label_coverage",
    "column_match",
    "year_match",
    "section_coverage",
    "holds_type",
    "quantity_question",
    "holds_quantity",
    "number_near_match",
    "first_match_at",
    "position",
    "rank_inv",
    "score_rel",
    "cosine",
    "support",
    "kind_sentence",
    "kind_item",
    "kind_row",
    "kind_cell",
    "cell_quantity",
    "log_words",
    "has_number",
    "capitalised",
    "english",
    "full_word_coverage",
    "year_in_passage",
    "plan_words",
    "plan_for_outcome",
    "party_question",
    "title_coverage",
)
Features = dict[str, float]  # feature name (of `FEATURES`) → value
_QUANTITY_TYPES = ("amount", "percentage", "date")
_NEAR_CHARS = 60  # a figure this close to a matched word is likely the one asked for
_DIGIT = re.compile(r"\d")
_CAPITALISED = re.compile(r"(?<=\s)[A-ZÅÄÖ][a-zåäöé]+")


@dataclass(frozen=True)
class Context:
    """What the features need of the question and its ranked passages, computed once per
    question (and once per report a comparison reads)."""

    weights: dict[str, float]  # the question's analyzer terms and their IDF
    content: list[tuple[frozenset[str], float]]  # its content words: terms and IDF weight
    info: QueryInfo
    support: float
    top_score: float
    cosines: dict[str, float]  # passage id → cosine with the question
    # passage id → its `passage_features` (filled by `features`; the passages of one ranked
    # list, so a passage's rank and score are those of its one hit)
    passages: dict[str, Features] = field(default_factory=dict, compare=False)

    @cached_property
    def content_terms(self) -> frozenset[str]:
        """Every analyzer term of the question's content words."""
        return frozenset().union(*(t for t, _ in self.content))

    @cached_property
    def years(self) -> tuple[str, ...]:
        """The years the question names, as they are written in a text."""
        return tuple(str(y) for y in self.info.years)

    @cached_property
    def quantity(self) -> float:
        """1.0 when the question asks for an amount, a share or a date."""
        return float(self.info.answer_type in _QUANTITY_TYPES)

    @cached_property
    def question_features(self) -> Features:
        """The features of the question itself, the same for all its units."""
        return {
            "quantity_question": self.quantity,
            "support": self.support,
            "english": float(self.info.english),
            "party_question": float(self.info.party),
        }

    @cached_property
    def _total(self) -> float:
        return sum(self.weights.values()) or 1.0

    @cached_property
    def content_total(self) -> float:
        """The IDF weight of all the question's content words (1.0 when it has none)."""
        return sum(w for _, w in self.content) or 1.0

    def share(self, found: frozenset[str]) -> float:
        """IDF-weighted share of the question's terms among `found`."""
        return sum(w for t, w in self.weights.items() if t in found) / self._total

    def content_share(self, found: frozenset[str]) -> float:
        """IDF-weighted share of the question's content words with a term among `found`."""
        return sum(w for terms, w in self.content if terms & found) / self.content_total


def features(unit: Unit, ctx: Context, searcher: Searcher, position: float = 0.0) -> Features:
    """Every feature of `FEATURES` for one unit; `position` is the unit's place in its
    passage (0 first, 1 last)."""
    hit = unit.hit
    passage = ctx.passages.get(hit.chunk.id)
    if passage is None:  # what every unit of this passage shares, computed once
        passage = ctx.passages[hit.chunk.id] = passage_features(hit, ctx, searcher)
    found = ctx.question_features | passage | unit_features(unit, ctx, searcher, position)
    return {name: found[name] for name in FEATURES}


def passage_features(hit: Hit, ctx: Context, searcher: Searcher) -> Features:
    """The features of a ranked passage, shared by its units."""
    chunk = hit.chunk
    terms = searcher.terms(chunk.indexed_text)
    # A compound matched only through its parts ("skolbusskostnader" meets "skola", "buss"
    # and "kostnad" apart) is weaker evidence than the word itself: its longest term.
    full = sum(w for words, w in ctx.content if max(words, key=len) in terms)
    return {
        "passage_content_coverage": ctx.content_share(terms),
        "section_coverage": ctx.share(searcher.terms(" ".join(chunk.section))),
        "full_word_coverage": full / ctx.content_total,
        "year_in_passage": (
            float(any(y in chunk.indexed_text for y in ctx.years)) if ctx.years else 0.5
        ),
        "rank_inv": 1.0 / hit.rank,
        "score_rel": max(hit.score, 0.0) / ctx.top_score if ctx.top_score > 0 else 0.0,
        "cosine": ctx.cosines.get(chunk.id, 0.0),
    }


def unit_features(unit: Unit, ctx: Context, searcher: Searcher, position: float) -> Features:
    """The features of the unit itself: how it meets the question's words, and its form."""
    text = unit.answer_text()
    return _matching(unit, text, ctx, searcher) | _form(unit, text, ctx, position)


def _matching(unit: Unit, text: str, ctx: Context, searcher: Searcher) -> Features:
    """How the unit (its `text`), its row label, column and table title meet the question's
    words and years, and whether a figure stands near a matched word."""
    found = searcher.terms(text)
    matched = [(s, e) for s, e, t in searcher.spans(text) if t & ctx.content_terms]
    digits = [m.start() for m in _DIGIT.finditer(text)]
    near = any(
        abs(d - s) <= _NEAR_CHARS or abs(d - e) <= _NEAR_CHARS for s, e in matched for d in digits
    )
    years = ctx.years
    column = unit.column or (unit.header or "")
    column_share = ctx.share(searcher.terms(unit.column)) if unit.kind == "cell" else 0.0
    return {
        "coverage": ctx.share(found),
        "content_coverage": ctx.content_share(found),
        "content_matched": float(sum(1 for terms, _ in ctx.content if terms & found)),
        "label_coverage": ctx.share(searcher.terms(unit.label)) if unit.label else 0.0,
        "column_match": max(
            column_share, float(bool(years) and any(y in unit.column for y in years))
        ),
        "year_match": 0.5 if not years else float(any(y in text or y in column for y in years)),
        "number_near_match": float(near),
        "first_match_at": matched[0][0] / max(len(text), 1) if matched else 1.0,
        # A table's header row often names what the table is about in its first cell
        # ("Gemensam administration | Budget 2019 | …"): several tables share row labels.
        "title_coverage": ctx.share(searcher.terms(unit.title)) if unit.title else 0.0,
    }


def _form(unit: Unit, text: str, ctx: Context, position: float) -> Features:
    """The unit's kind, place and length, and whether it (its `text`) holds the answer type
    asked for or speaks of a plan."""
    quantity = ctx.quantity
    holds = holds_type(unit.value if unit.kind == "cell" else text, ctx.info.answer_type)
    plan = float(bool(PLAN.search(text)))
    return {
        "holds_type": holds,
        "holds_quantity": holds * quantity,
        "position": position,
        "kind_sentence": float(unit.kind == "sentence"),
        "kind_item": float(unit.kind == "item"),
        "kind_row": float(unit.kind == "row"),
        "kind_cell": float(unit.kind == "cell"),
        "cell_quantity": float(unit.kind == "cell") * quantity,
        "log_words": math.log1p(len(text.split())),
        "has_number": float(any(map(str.isdigit, unit.value))),
        "capitalised": float(bool(_CAPITALISED.search(text))),
        "plan_words": plan,
        "plan_for_outcome": plan * float(ctx.info.outcome),
    }


# Words of plans and targets: a unit with one may state a goal rather than an outcome.
PLAN = re.compile(
    r"\b(ska|skall|planeras|planerad\w*|kommer att|avser|mål|målet|målsättning\w*|"
    r"prognos\w*|beräknas|förväntas|väntas|budgeterat|will|plan\w*|target)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")
_PERCENT = re.compile(r"%|\bprocent")
_AMOUNT = re.compile(
    r"\d[\d\s,.]*\s*(kr|kronor|tkr|mnkr|mdkr|miljon|miljoner|mkr|miljard|tusen|st\b|"
    r"personer|timmar|dagar|procent|%)|\d[\d\s]{3,}|\d+,\d+"
)
_DATE = re.compile(
    r"\b(januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|okt|nov|dec)\b|(?<!\d)(19|20)\d\d(?!\d)|"
    r"\d{1,2}/\d{1,2}|\bvår(en)?\b|\bhöst(en)?\b|\bkvartal",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(beror|berodde|på grund av|pga|p\.g\.a\.|eftersom|därför|till följd av|orsak\w*|"
    r"förklar\w*|med anledning av|tack vare|because|due to)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    r"\b(\w*(chef|ordförande|direktör|ledare|samordnare|ansvarig)\w*|"
    r"[A-ZÅÄÖ][a-zåäöé]+ [A-ZÅÄÖ][a-zåäöé]+)\b"
)


def holds_type(text: str, answer_type: AnswerType) -> float:
    """1.0 when `text` holds what the answer type asks for (a number with a unit for an
    amount, '%' or 'procent' for a share, a month or year for a date, a cause for a reason,
    a role or a name for a person), else 0.0; 0.5 for types that words cannot check."""
    if answer_type == "reason":
        return float(bool(_REASON.search(text)))
    if answer_type == "person":
        return float(bool(_PERSON.search(text)))
    if answer_type == "percentage":
        return float(bool(_PERCENT.search(text)))
    if answer_type == "amount":
        return float(bool(_AMOUNT.search(text)))
    if answer_type == "date":
        return float(bool(_DATE.search(text)))
    return 0.5 if not _NUMBER.search(text) else 0.6

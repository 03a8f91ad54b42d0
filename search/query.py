"""Question analysis: what a question says about where to look and what it asks for.

Read once per request (`QueryParser.parse`, through `Searcher.understand`) and passed on
from retrieval to the answer: the municipalities of the indexed reports it names (in any
form: "Timrå", "Timrås", "Timras", "Krokom's"), its years, Swedish municipalities the index
has no report from and whether it is English, which scope the search; and what kind of
answer it asks for, which the answer scoring reads: "Hur många …" an amount, "Hur stor
andel …" a share, "När …" a date, "Vem …" a person, "Vilka …" a list, "Varför …" a reason,
"Hur går det för …" the status of an area; whether it compares reports ("Vilken kommun hade
högst …", "Jämför …"), asks what happened, or asks a party's view.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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


AnswerType = Literal[
    "amount",
    "percentage",
    "date",
    "person",
    "organisation",
    "list",
    "reason",
    "status",
    "other",
]

# Checked in order on the folded question (no å ä ö); the first pattern that matches wins.
_TYPES: list[tuple[AnswerType, re.Pattern[str]]] = [
    (
        "percentage",
        re.compile(
            r"\b(hur (stor|hog) (andel|procent)|vilken andel|hur manga procent|andel|procent|"
            r"what (share|percentage|proportion)|how many percent|sjukfranvaro\w*|sick ?leave|"
            r"valdeltagande\w*|turnout)\b"
        ),
    ),
    (
        "amount",
        re.compile(
            r"\b(hur (mycket|manga|stor|stort|stora|hog|hogt|hoga|lang|langt|lag|lagt)|"
            r"vad (kostar|kostade|blev|var|ar) (resultatet|kostnaden|budgeten|prognosen|"
            r"overskottet|underskottet|utfallet|avvikelsen|budgetavvikelsen)|vilket (belopp|"
            r"resultat|overskott|underskott)|vilken (budget|prognos|kostnad|avvikelse|nivå|niva)|"
            r"how (much|many|large|big|high|long)|what (was|is) the (result|budget|cost|"
            r"forecast|deviation|surplus|deficit))\b"
        ),
    ),
    (
        "date",
        re.compile(
            r"\b(nar|vilket (ar|datum|manad)|fran och med|when|what year|"
            r"which year|what date)\b"
        ),
    ),
    ("person", re.compile(r"\b(vem|vilka personer|who|whom)\b")),
    ("reason", re.compile(r"\b(varfor|vad beror|av vilken anledning|why|what caused)\b")),
    ("list", re.compile(r"\b(vilka|which (are|were)|what (are|were) the)\b")),
    (
        "status",
        re.compile(
            r"\b(hur gar det|hur gick|hur ser det ut|vad sager rapporten|"
            r"vad star det|how (is|did|are) .* (going|doing|go)|status)\b"
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\b(vilken (enhet|avdelning|forvaltning|nämnd|namnd|"
            r"organisation|bolag)|var |where|which (unit|department))\b"
        ),
    ),
]
_COMPARISON = re.compile(
    r"\b(vilken kommun(styrelse)?|vilka kommuner|jamfor|jamfort|jamforelse|alla kommuner(na)?|"
    # "i kommunerna", "kommunernas arbete", "kommunstyrelserna": every report in scope
    r"kommunerna(s)?|kommunstyrelserna(s)?|"
    r"i samtliga|skillnad(en)? mellan|hogst|lagst|storst|minst|mest|which municipalit(y|ies)|"
    r"compare|comparison|all (the )?municipalities|highest|lowest)\b"
)

# Folded superlatives: they ask to rank the reports' answers, they name no subject.
SUPERLATIVES = frozenset(
    (
        "hogst lagst storst minst mest flest basta samsta "
        "highest lowest largest smallest most least"
    ).split()
)


# Past-tense verbs of outcomes, folded: a question with one asks what happened.
_OUTCOME = re.compile(
    r"\b(blev|var|fick|hade|gick|kostade|okade|minskade|nadde|uppnadde|byggdes|genomfordes|"
    r"anstalldes|slutade|landade|was|were|did|reached|ended|cost)\b"
)
_PARTY = re.compile(
    r"\b(socialdemokrat\w*|moderat\w*|sverigedemokrat\w*|centerpartiet|liberalerna|"
    r"vansterpartiet|kristdemokrat\w*|miljopartiet|sd|partiet|partierna|oppositionen|"
    r"politiker\w*|party|parties|opposition)\b"
)


@dataclass(frozen=True, kw_only=True)
class QueryInfo:
    """What a question names and asks. `elsewhere` are Swedish municipalities it names that
    no indexed report is from; `organisations` the indexed organisations without a
    municipality that it names ("Riksbankens prognos" → Sveriges riksbank); `outcome`: it
    asks what happened ("blev", "fick", "hade"), not what is planned; `party`: it asks a
    party's or a politician's view, which reports rarely give."""

    municipalities: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    elsewhere: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    english: bool = False
    answer_type: AnswerType = "other"
    comparison: bool = False
    outcome: bool = False
    party: bool = False


# Words of an organisation's name that name no one organisation in particular.
_GENERIC_ORG_WORDS = {"sveriges", "kommun", "kommuner", "region", "regioner", "stad", "och"}


class QueryParser:
    """Parses questions against the municipalities (and other organisations) of one index."""

    def __init__(self, municipalities: Iterable[str], organisations: Iterable[str] = ()) -> None:
        names = sorted(set(municipalities))
        # "Timrå", "Timrås", "Timras", "Krokom's", "Eskilstunas kommun": the name, maybe a
        # genitive -s, matched on the folded text so missing diacritics still match.
        self._patterns = {
            name: re.compile(rf"(?<!\w){re.escape(fold(name))}(?:s|'s|’s|:s)?(?!\w)")
            for name in names
        }
        self._folded = {fold(n) for n in names}
        # "Sveriges riksbank" is named by "Riksbanken", "riksbankens": a distinctive word of
        # its name, maybe with a definite or genitive ending.
        self._organisations = {
            name: re.compile(
                "|".join(rf"(?<!\w){re.escape(w)}(?:en|ens|s|ns)?(?!\w)" for w in words)
            )
            for name in sorted(set(organisations))
            if (
                words := [
                    w for w in fold(name).split() if len(w) >= 5 and w not in _GENERIC_ORG_WORDS
                ]
            )
        }

    def parse(self, query: str, corrected: str | None = None) -> QueryInfo:
        """What `query` names, as typed, and what it asks, read from `corrected` (the query
        with its typos fixed, if any: "sjukfronvaro" would hide a share question)."""
        folded = fold(query)
        named = tuple(sorted(n for n, p in self._patterns.items() if p.search(folded)))
        asked = folded if corrected is None else fold(corrected)
        return QueryInfo(
            municipalities=named,
            years=tuple(sorted({int(y) for y in YEAR.findall(query)})),
            elsewhere=tuple(n for n in named_municipalities(query) if fold(n) not in self._folded),
            organisations=tuple(n for n, p in self._organisations.items() if p.search(folded)),
            english=is_english(query),
            answer_type=next((t for t, pattern in _TYPES if pattern.search(asked)), "other"),
            comparison=_compares(asked, len(named)),
            outcome=bool(_OUTCOME.search(asked)),
            party=bool(_PARTY.search(asked)),
        )


def _compares(folded: str, municipalities_named: int) -> bool:
    """Whether a (folded) question compares reports: it names two or more municipalities,
    or says "Vilken kommun …", "Jämför …", "i alla kommunerna"."""
    return (
        municipalities_named >= 2
        or (
            bool(_COMPARISON.search(folded))
            and municipalities_named != 1
            and bool(re.search(r"\b(kommun|kommuner|kommunerna|municipalit)", folded))
        )
        or (municipalities_named != 1 and bool(re.search(r"\b(jamfor|compare)\b", folded)))
    )


def is_english(question: str) -> bool:
    """Whether a question reads as English: at least two English function words, and more
    of them than Swedish stop words ("What is the population of Uppsala?")."""
    from indexer.language.analyzer import STOP_WORDS

    words = [w.lower() for w in _WORD.findall(question)]
    english = sum(w in _ENGLISH for w in words)
    swedish = sum(w in STOP_WORDS for w in words)
    return english >= 2 and english > swedish

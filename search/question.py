"""Question analysis: what kind of answer a question asks for, and what it names.

The expected answer type comes from the question's words, Swedish and English:
"Hur många …" wants an amount, "Hur stor andel …" a share, "När …" a date, "Vem …" a
person, "Vilka …" a list, "Varför …" a reason, "Hur går det för …" the status of an area.
A comparison asks about several reports at once ("Vilken kommun hade högst …", "Jämför …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapportsok.text import YEAR
from search.query import fold

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


@dataclass(frozen=True)
class QuestionInfo:
    """The expected answer type, whether the question compares reports, and the years it
    names."""

    answer_type: AnswerType
    comparison: bool
    years: tuple[str, ...]
    outcome: bool = False  # asks what happened ("blev", "fick", "hade"), not what is planned
    party: bool = False  # asks a party's or a politician's view, which reports rarely give


def analyse(question: str, municipalities_named: int = 0) -> QuestionInfo:
    """The answer type of `question` and whether it compares reports (it names two or more
    municipalities, or says "Vilken kommun …", "Jämför …", "i alla kommunerna")."""
    folded = fold(question)
    answer_type: AnswerType = next((t for t, pattern in _TYPES if pattern.search(folded)), "other")
    comparison = (
        municipalities_named >= 2
        or (
            bool(_COMPARISON.search(folded))
            and municipalities_named != 1
            and bool(re.search(r"\b(kommun|kommuner|kommunerna|municipalit)", folded))
        )
        or (municipalities_named != 1 and bool(re.search(r"\b(jamfor|compare)\b", folded)))
    )
    return QuestionInfo(
        answer_type,
        comparison,
        tuple(YEAR.findall(question)),
        bool(_OUTCOME.search(folded)),
        bool(_PARTY.search(folded)),
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

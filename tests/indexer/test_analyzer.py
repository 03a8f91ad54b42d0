"""The Swedish analyzer: lemmas, compound parts, stop words, spans, and each step's switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.language.analyzer import STOP_WORDS, SwedishAnalyzer, default_dictionary, get_analyzer
from rapportsok.errors import MissingDictionaryError

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def analyzer() -> SwedishAnalyzer:
    return SwedishAnalyzer()


@pytest.mark.parametrize(
    ("word", "terms"),
    [
        ("skolan", ["skola"]),
        ("skolor", ["skola"]),
        ("skolorna", ["skola"]),
        ("förskolan", ["förskola"]),
        ("kommunens", ["kommun"]),
        ("Budgeten", ["budget"]),
        # simplemma alone gives "plan" → "plana" but "planen" → "plan"; both must meet.
        ("plan", ["plan"]),
        ("planen", ["plan"]),
        ("nämnd", ["nämnd"]),
        ("nämnden", ["nämnd"]),
        # the modal verb, not "skola" (school)
        ("ska", ["ska"]),
        # an abbreviation, not simplemma's "tycker"
        ("tkr", ["tkr"]),
    ],
)
def test_words_become_their_lemma(analyzer: SwedishAnalyzer, word: str, terms: list[str]) -> None:
    assert analyzer.analyze(word) == terms


@pytest.mark.parametrize(
    ("word", "terms"),
    [
        ("sjukfrånvaron", ["sjukfrånvaro", "sjuk", "frånvaro"]),
        (
            "kollektivtrafikresande",
            ["kollektivtrafikresande", "kollektivtrafik", "kollektiv", "trafik", "resande"],
        ),
        # simplemma does not know the word: its last part is lemmatised ("resandet")
        (
            "kollektivtrafikresandet",
            ["kollektivtrafikresande", "kollektivtrafik", "kollektiv", "trafik", "resande"],
        ),
        # linking -s: "arbets-" is the compound form of "arbete"
        ("arbetsmiljön", ["arbetsmiljö", "arbete", "miljö"]),
        ("verksamhetsplanen", ["verksamhetsplan", "verksamhet", "plan"]),
        # linking -s after a first part that is itself a compound
        (
            "säkerhetsskyddslagen",
            ["säkerhetsskyddslag", "säkerhetsskydd", "säkerhet", "skydd", "lag"],
        ),
        # other linking forms: "löne-" ← lön, "gymnasie-" ← gymnasium, "tjänste-" ← tjänst
        ("löneavtal", ["löneavtal", "lön", "avtal"]),
        ("gymnasieskolan", ["gymnasieskola", "gymnasium", "skola"]),
        ("tjänsteutveckling", ["tjänsteutveckling", "tjänst", "utveckling"]),
        # the longest first part wins: "fritids|enheten", not "fri|tidsenheten"
        ("fritidsenheten", ["fritidsenhet", "fritid", "fri", "tid", "enhet"]),
    ],
)
def test_compounds_give_the_whole_word_and_its_parts(
    analyzer: SwedishAnalyzer, word: str, terms: list[str]
) -> None:
    assert analyzer.analyze(word) == terms


@pytest.mark.parametrize(
    "word",
    [
        "kommunen",  # not "kom" + "munen"
        "förslaget",  # not "för" + "slaget"
        "tillväxten",  # not "till" + "växten"
        "ungdomar",  # not "ung" + "domar"
        "sjukdomar",  # not "sjuk" + "domar"
        "snabbare",  # not "snabb" + "are"
        "ekonomiska",  # not "ekonomi" + "ska"
        "verksamheten",  # not "verksam" + "heten"
        "medarbetare",
        "invånarna",
    ],
)
def test_simple_words_are_not_split(analyzer: SwedishAnalyzer, word: str) -> None:
    assert len(analyzer.analyze(word)) == 1


def test_a_query_meets_the_parts_of_a_compound(analyzer: SwedishAnalyzer) -> None:
    passage = set(analyzer.analyze("Sjukfrånvaron bland kollektivtrafikresande ökade."))
    assert set(analyzer.analyze("frånvaro bland sjuka")) & passage == {"frånvaro", "sjuk", "bland"}
    assert set(analyzer.analyze("resande i kollektivtrafiken")) <= passage


def test_stop_words_are_removed(analyzer: SwedishAnalyzer) -> None:
    assert analyzer.analyze("och att för") == []
    assert analyzer.analyze("Det är inte klart om det blir någon budget") == ["klar", "budget"]
    assert {"och", "att", "för", "inte"} <= STOP_WORDS


def test_numbers_are_kept(analyzer: SwedishAnalyzer) -> None:
    text = "Intäkterna för 2023 budgeteras till 540,3 miljoner kronor."
    assert analyzer.analyze(text) == ["intäkt", "2023", "budgetera", "540,3", "miljon", "krona"]


def test_hyphenated_words_give_their_parts_and_the_joined_word(
    analyzer: SwedishAnalyzer,
) -> None:
    assert analyzer.analyze("personal-frågor") == ["personal", "fråga", "personalfråga"]
    assert "kollektivtrafik" in analyzer.analyze("kollektiv-trafik")
    # a lone letter is no term; the rest is split as usual
    assert analyzer.analyze("e-tjänster") == ["tjänst"]
    assert analyzer.analyze("covid-19") == ["covid", "19"]


def test_a_fragment_before_och_becomes_its_word(analyzer: SwedishAnalyzer) -> None:
    assert analyzer.analyze("kvalitets- och miljöarbete") == [
        "kvalitet",
        "miljöarbete",
        "miljö",
        "arbete",
    ]


def test_spans_point_at_the_words(analyzer: SwedishAnalyzer) -> None:
    text = "Sjukfrånvaron ökade i förskolan, 2,0 procent."
    spans = analyzer.spans(text)
    assert [text[start:end] for start, end, _ in spans] == [
        "Sjukfrånvaron",
        "ökade",
        "i",
        "förskolan",
        "2,0",
        "procent",
    ]
    assert spans[0] == (0, 13, frozenset({"sjukfrånvaro", "sjuk", "frånvaro"}))
    assert spans[2] == (20, 21, frozenset())  # a stop word has no terms
    assert spans[3] == (22, 31, frozenset({"förskola"}))
    # what the UI does: mark the words whose terms meet the query's
    query = set(analyzer.analyze("frånvaro i skolan"))
    assert [text[s:e] for s, e, terms in spans if terms & query] == ["Sjukfrånvaron"]


def test_spans_index_the_text_as_written() -> None:
    # "İ".lower() is two characters; offsets must still point into the original text
    text = "İstanbul och Örebro"
    spans = SwedishAnalyzer().spans(text)
    assert [text[start:end] for start, end, _ in spans] == ["İstanbul", "och", "Örebro"]


def test_each_step_can_be_switched_off() -> None:
    text = "Sjukfrånvaron och förskolan"
    assert SwedishAnalyzer().name == "sv1-lemma-compound-stop"

    no_lemma = SwedishAnalyzer(lemmatize=False)
    assert no_lemma.name == "sv1-compound-stop"
    assert no_lemma.analyze(text) == ["sjukfrånvaron", "sjuk", "frånvaron", "förskolan"]

    no_split = SwedishAnalyzer(split_compounds=False)
    assert no_split.name == "sv1-lemma-stop"
    assert no_split.analyze(text) == ["sjukfrånvaro", "förskola"]

    no_stop = SwedishAnalyzer(stopwords=False)
    assert no_stop.name == "sv1-lemma-compound"
    assert no_stop.analyze(text) == ["sjukfrånvaro", "sjuk", "frånvaro", "och", "förskola"]

    bare = SwedishAnalyzer(lemmatize=False, split_compounds=False, stopwords=False)
    assert bare.name == "sv1"
    assert bare.analyze(text) == ["sjukfrånvaron", "och", "förskolan"]


def test_missing_dictionary_says_what_to_install(tmp_path: Path) -> None:
    missing = tmp_path / "sv_SE.dic"
    with pytest.raises(MissingDictionaryError, match="hunspell-sv"):
        SwedishAnalyzer(dictionary=missing)
    # tokens and stop words alone need no word list
    bare = SwedishAnalyzer(lemmatize=False, split_compounds=False, dictionary=missing)
    assert bare.analyze("Skolan och förskolan") == ["skolan", "förskolan"]


def test_default_dictionary_is_the_installed_word_list() -> None:
    assert default_dictionary().name == "sv_SE.dic"
    assert default_dictionary().is_file()


def test_get_analyzer_is_shared() -> None:
    assert get_analyzer() is get_analyzer()
    assert get_analyzer().name == "sv1-lemma-compound-stop"


def test_the_whole_corpus_is_analysed(analyzer: SwedishAnalyzer) -> None:
    paths = sorted(CORPUS.glob("*.txt"))
    assert len(paths) == 4
    for path in paths:
        text = path.read_text(encoding="utf-8")
        terms = analyzer.analyze(text)
        spans = analyzer.spans(text)
        assert len(terms) > 1000
        assert all(term and term == term.lower() for term in terms)
        assert all(text[start:end].strip() for start, end, _ in spans)
        assert set(terms) == set().union(*(span_terms for _, _, span_terms in spans))
    eskilstuna = (CORPUS / "eskilstuna-kommunstyrelsen-delarsrapport-2023.txt").read_text(
        encoding="utf-8"
    )
    assert {"sjukfrånvaro", "frånvaro", "540,3", "kommunstyrelse"} <= set(
        analyzer.analyze(eskilstuna)
    )

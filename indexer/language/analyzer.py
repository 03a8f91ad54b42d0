"""Swedish analysis for the lexical side: tokens → lemmas, compound parts, minus stop words.

The same analyzer turns passages into BM25 terms when indexing, turns the question into terms
when searching, and tells the UI which words of a passage carry a query term (`spans`).

Steps, each of which can be switched off to measure what it buys:

* tokenisation and lower-casing: words with å ä ö, numbers with a decimal comma ("540,3") as
  one token, hyphenated words ("e-tjänster") as one token whose parts are analysed too;
* lemmatisation with simplemma (offline): "skolan", "skolor" → "skola". The Snowball stemmer
  leaves definite forms such as "sjukfrånvaron" alone, hence a lemmatiser. Where simplemma
  takes a base form for another word's form ("plan" → "plana", while "planen" → "plan"), the
  word list's paradigms keep the base form, so that every form of a word meets every other;
* compound splitting against the word list of the `hunspell-sv` package, whose affix flags
  say which words may begin (X) or end (Y) a compound and which linking forms exist
  ("arbets-", "skol-", "tjänste-"): "sjukfrånvaron" → sjukfrånvaro, sjuk, frånvaro;
* Swedish stop words (Snowball's list) removed.
"""

from __future__ import annotations

import re
import site
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path
from typing import Any

import simplemma
from simplemma.utils import normalize_token

from indexer.language.wordcache import cached
from rapportsok.errors import MissingDictionaryError

# Snowball's Swedish stop list (snowballstem.org, algorithms/swedish/stop.txt), 114 words in its
# order. Negations ("inte", "icke", "ej") stay in it: BM25 cannot scope a negation, and "inte"
# occurs in most passages, so as a term it would only add noise; the dense side reads them.
_SNOWBALL_STOP_WORDS = """
och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde
något från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under
någon eller allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli
blev oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom
mellan sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra
ert era vilkas
""".split()
STOP_WORDS: frozenset[str] = frozenset(_SNOWBALL_STOP_WORDS)

# A number with decimal comma or point ("540,3", "2.5") or a word of letters and digits,
# hyphenated words kept whole ("personal-frågor", "covid-19"). A trailing hyphen, as in
# "kvalitets- och ledningssystem", is left out; the fragment is then a linking form.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+(?:-[^\W_]+)*")

_MIN_PART = 3  # letters in each part of a compound; "tid", "mål", "lön" are common last parts
# Longer words are kept as written, neither lemmatised nor split: the longest compounds of
# the reports have about 40 letters ("kommunikationsutvecklingsansvariga"), and splitting
# costs work (and, recursively, stack) in the word's length. A 2,000-letter word from a
# query or a broken PDF must not cost either.
MAX_WORD_CHARS = 64
_MAX_PARTS = 32  # compound parts listed for one word, a bound whatever the word list says
# Particles and prefixes whose compounds are lexicalised: "förslag" is not "för" + "slag",
# "tillväxt" not "till" + "växt", "uppdrag" not "upp" + "drag".
_NO_HEADS = frozenset(
    "för före fram upp över under till mot efter från genom inom utom kring bort åter sam "
    "miss ner ned vid med mellan utan fort övers".split()
)
# Derivational endings that are also dictionary words: "ungdom" is not "ung" + "dom",
# "snabbare" not "snabb" + "are", "byggnation" not "bygg" + "nation".
_NO_TAILS = frozenset("are het dom skap else ning ande ende nation ska isk lig era ist".split())
# simplemma gives the modal "ska"/"skall" the lemma "skola" (its infinitive), which is also
# the word for school; a question about schools must not meet every "ska".
_LEMMA_EXCEPTIONS = {"ska": "ska", "skall": "ska", "it": "it"}  # simplemma: "it" → "se"
_VOWELS = frozenset("aeiouyåäöé")
_INFLECTED_ENDINGS = frozenset("a e t re are ast aste ar er or en et".split())

_DICTIONARY_NAME = "sv_SE.dic"


def default_dictionary() -> Path:
    """Where the `hunspell-sv` package installs `sv_SE.dic` (`<prefix>/share/hunspell`)."""
    prefixes = [sysconfig.get_path("data"), sys.prefix, sys.base_prefix, site.getuserbase()]
    candidates = [Path(p) / "share" / "hunspell" / _DICTIONARY_NAME for p in prefixes]
    return next((c for c in candidates if c.is_file()), candidates[0])


_Inflection = tuple[str, str, re.Pattern[str]]  # strip, add, condition
_Rule = tuple[str, str, re.Pattern[str], bool, bool]  # strip, add, condition, begins, middles
_Split = tuple[str, str, str, str]  # head as written, head's word, tail as written, tail's lemma


def _affix_rules(aff: Path) -> tuple[dict[str, list[_Rule]], dict[str, list[_Inflection]]]:
    """The .aff file's suffix rules, by flag: those that make compound forms (continuation
    flag X or U, e.g. "arbete" → "arbets") and those of ordinary inflection."""
    compounding: dict[str, list[_Rule]] = {}
    inflecting: dict[str, list[_Inflection]] = {}
    if not aff.is_file():
        return compounding, inflecting
    for line in aff.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[0] != "SFX":
            continue
        flag, strip, (add, _, cont) = fields[1], fields[2], fields[3].partition("/")
        strip, add = ("" if strip == "0" else strip), ("" if add == "0" else add)
        condition = re.compile(f"(?:{fields[4]})$")
        if "X" in cont or "U" in cont:
            compounding.setdefault(flag, []).append(
                (strip, add, condition, "X" in cont, "U" in cont)
            )
        elif add.isalpha():
            inflecting.setdefault(flag, []).append((strip, add, condition))
    return compounding, inflecting


class _Lexicon:
    """The hunspell word list as compound splitting and lemmatisation need it.

    `begins` maps a form that may begin a compound to the dictionary word it comes from
    ("verksamhets" → "verksamhet"), `middles` likewise for forms that may only stand inside
    one; `ends` holds the words that may end a compound, `words` every stand-alone word and
    `paradigms` the inflection flags of each base form that inflects ("plan" → "ABDHXY").
    Only lower-case entries are used: proper nouns make poor compound parts.
    """

    def __init__(
        self,
        words: frozenset[str],
        ends: frozenset[str],
        begins: dict[str, str],
        middles: dict[str, str],
        paradigms: dict[str, str],
        inflections: dict[str, list[_Inflection]],
    ) -> None:
        self.words, self.ends, self.begins, self.middles = words, ends, begins, middles
        self.paradigms, self.inflections = paradigms, inflections
        self.lemma = lru_cache(maxsize=1 << 18)(self._lemma)
        self.split = lru_cache(maxsize=1 << 18)(self._split)
        self.head_word = lru_cache(maxsize=1 << 16)(self._head_word)

    @classmethod
    def load(cls, dic: Path) -> _Lexicon:
        """Read a hunspell .dic and the .aff next to it; about 0.3 s for hunspell-sv."""
        if not dic.is_file():
            raise MissingDictionaryError(_missing_message(dic))
        rules, inflections = _affix_rules(dic.with_suffix(".aff"))
        words: set[str] = set()
        ends: set[str] = set()
        paradigms: dict[str, str] = {}
        begins: dict[str, str] = {}
        middles: dict[str, str] = {}
        with dic.open(encoding="utf-8") as lines:
            next(lines, None)  # the entry count
            for line in lines:
                stem, _, flags = line.rstrip("\n").partition("/")
                flags = flags.split("\t", 1)[0]
                # Multi-word entries, abbreviations and forbidden words (%) are no parts.
                if not stem.isalpha() or not stem[0].islower() or "%" in flags:
                    continue
                if "Z" not in flags and "¤" not in flags:  # else only inside compounds: "arbets"
                    words.add(stem)
                    if "Y" in flags:
                        ends.add(stem)
                    if any(flag in inflections for flag in flags):
                        paradigms[stem] = paradigms.get(stem, "") + flags
                if "X" in flags:
                    begins.setdefault(stem, stem)
                if "U" in flags:
                    middles.setdefault(stem, stem)
                for flag in flags:
                    for strip, add, condition, begin, middle in rules.get(flag, ()):
                        if stem.endswith(strip) and condition.search(stem):
                            form = stem[: len(stem) - len(strip)] + add
                            if begin:
                                begins.setdefault(form, stem)
                            if middle:
                                middles.setdefault(form, stem)
        return cls(frozenset(words), frozenset(ends), begins, middles, paradigms, inflections)

    def known(self, word: str) -> bool:
        """Whether simplemma or the word list knows `word` as it is written."""
        return word in self.paradigms or _simplemma().is_known(word)

    def _lemma(self, word: str) -> str:
        if word in _LEMMA_EXCEPTIONS:
            return _LEMMA_EXCEPTIONS[word]
        lemma = _simplemma().lemmatize(word).lower()
        if not lemma.isalpha() or (_VOWELS.isdisjoint(word) and not lemma.startswith(word)):
            return word  # abbreviations: "tkr" is not "tycker", "klk" not "klädkammare"
        # simplemma reads many base forms as another word's form ("plan" → "plana", "risk" →
        # "riska", "nämnd" → "nämna", "inflytande" → "inflyta") while it gives "planen",
        # "risker", "nämnden", "inflytandet" the lemmas "plan", "risk", "nämnd", "inflytande".
        # A base form that simplemma itself gives to some form of its paradigm stays itself,
        # unless it reads as an inflected form of simplemma's lemma ("sjuka" → "sjuk",
        # "roller" → "roll").
        if (
            lemma != word
            and word in self.paradigms
            and not (word.startswith(lemma) and word[len(lemma) :] in _INFLECTED_ENDINGS)
            and self._lemma_of_own_forms(word)
        ):
            return word
        return lemma

    def _lemma_of_own_forms(self, word: str) -> bool:
        """Whether simplemma lemmatises an inflected form of `word` (by its flags) to `word`."""
        for flag in dict.fromkeys(self.paradigms[word]):
            for strip, add, condition in self.inflections.get(flag, ()):
                if word.endswith(strip) and condition.search(word):
                    form = word[: len(word) - len(strip)] + add
                    if _simplemma().lemmatize(form).lower() == word:
                        return True
        return False

    def _head_word(self, form: str) -> str | None:
        """The word behind a compound-initial form ("arbets" → "arbete"), or None."""
        stem = self.begins.get(form) or self.middles.get(form)
        if stem is None:
            # A linking -s after a first part that is itself a compound is regular Swedish
            # ("säkerhetsskydd" + s + "lagen") even where the word list has no such form.
            if len(form) > 5 and form.endswith("s") and self.split(form[:-1]) is not None:
                return self._head_word(form[:-1]) or form[:-1]
            return None
        if form in self.paradigms:
            return form  # a base form as it stands: "sjuk", "kollektivtrafik"
        words = [word for word in _unlinked(form) if word in self.words]
        lemma = self.lemma(form)
        if words:
            # After a linking -s the noun wins ("besöks" → "besök", not simplemma's "besöka");
            # otherwise simplemma breaks ties ("rese" → "resa", not "res").
            return lemma if lemma in words and not form.endswith("s") else words[0]
        if form in self.words:
            return form
        if lemma in self.words:
            return lemma
        return stem if stem in self.words else form

    def _tail(self, tail: str) -> str | None:
        """Lemma of `tail` if it may end a compound, else None."""
        if len(tail) < _MIN_PART or tail in _NO_TAILS:
            return None
        lemma = self.lemma(tail)  # an inflected last part: "frånvaron" → "frånvaro"
        if lemma in STOP_WORDS:  # "medarbetar|under|sökning" is no reading
            return None
        if tail in self.ends or (
            len(tail) > _MIN_PART and lemma in self.ends and lemma not in _NO_TAILS
        ):
            return lemma
        inner = self.split(tail)
        return inner[0] + inner[3] if inner is not None else None

    def _split(self, word: str) -> _Split | None:
        """Best split of `word` into a first part and the rest, or None for a simple word.

        Of the ways to cut the word, the longest first part wins ("fritids|enheten" over
        "fri|tidsenheten", "kollektivtrafik|resande" over "kollektiv|trafikresande"); but a
        linking -s after a simple word goes to the tail ("bil|skatt", not "bils|katt").
        """
        if len(word) < 2 * _MIN_PART or not word.isalpha():
            return None
        found: dict[int, _Split] = {}
        for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if head in _NO_HEADS:
                continue
            head_word = self.head_word(head)
            if head_word is None or len(head_word) < _MIN_PART or head_word in STOP_WORDS:
                continue
            tail_lemma = self._tail(tail)
            if tail_lemma is not None:
                found[cut] = (head, head_word, tail, tail_lemma)
        if not found:
            return None
        best = max(found)
        if word[best - 1] == "s" and best - 1 in found and self.split(word[: best - 1]) is None:
            best -= 1
        return found[best]


@lru_cache(maxsize=4)
def _load_lexicon(dic: Path) -> _Lexicon:
    """The lexicon of `dic`, read from the word-list cache (`indexer.language.wordcache`) when it
    was made from this .dic and .aff by this module (a missing .dic: `_Lexicon.load` says
    so)."""

    def build() -> tuple[Any, ...]:
        lex = _Lexicon.load(dic)
        patterns = {
            flag: [(strip, add, condition.pattern) for strip, add, condition in rules]
            for flag, rules in lex.inflections.items()
        }
        return lex.words, lex.ends, lex.begins, lex.middles, lex.paradigms, patterns

    sources = [dic, dic.with_suffix(".aff")]
    words, ends, begins, middles, paradigms, patterns = cached(
        "hunspell-sv", [p for p in sources if p.is_file()], [Path(__file__)], build
    )
    inflections = {
        flag: [(strip, add, re.compile(condition)) for strip, add, condition in rules]
        for flag, rules in patterns.items()
    }
    return _Lexicon(words, ends, begins, middles, paradigms, inflections)


class _Swedish:
    """simplemma for Swedish over its dictionary from the word-list cache: the same lemmas
    as `simplemma.lemmatize(word, lang="sv")`, without decoding the dictionary each time."""

    def __init__(self) -> None:
        from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
        from simplemma.strategies.dictionaries import dictionary_factory as factories

        folder = Path(factories.__file__).parent
        table = cached(
            f"simplemma-{simplemma.__version__}-sv",
            [factories.DATA_FOLDER / "sv.plzma"],
            [folder / "dictionary_factory.py", folder / "frontcode.py"],
            lambda: factories._load_dictionary_from_disk("sv"),
        )
        dictionary = factories.MappingStrToByteString(table)

        class OneLanguage(factories.DictionaryFactory):
            def get_dictionary(self, lang: str) -> Any:
                if lang != "sv":
                    raise ValueError(f"only Swedish is loaded, not {lang!r}")
                return dictionary

        only_sv = OneLanguage()
        self._lemmatizer = simplemma.Lemmatizer(
            lemmatization_strategy=DefaultStrategy(dictionary_factory=only_sv)
        )
        self._lookup = DictionaryLookupStrategy(only_sv)

    def lemmatize(self, word: str) -> str:
        return self._lemmatizer.lemmatize(word, lang="sv")

    def is_known(self, word: str) -> bool:
        return self._lookup.get_lemma(normalize_token(word), "sv") is not None


@lru_cache(maxsize=1)
def _simplemma() -> _Swedish:
    return _Swedish()


def _missing_message(dic: Path) -> str:
    return (
        f"Swedish word list not found at {dic}; the analyzer needs it for lemmas and "
        "compound parts. Install the hunspell-sv package (pip install hunspell-sv)."
    )


def _unlinked(form: str) -> list[str]:
    """Words a linking form may come from: "tjänste" → tjänst, "skol" → skola, "hyres" → hyra."""
    candidates = {
        "s": [form[:-1], form[:-1] + "e", form[:-2] + "a", form[:-1] + "a"],
        "e": [form[:-1], form[:-1] + "a", form[:-1] + "um"],
        "o": [form[:-1] + "a", form[:-1] + "e"],
        "u": [form[:-1] + "a"],
        "i": [form[:-1] + "um"],
    }.get(form[-1:], [])
    return [*candidates, form + "a", form + "e"]


class SwedishAnalyzer:
    """Turns Swedish text into BM25 terms; the same instance serves indexing and querying.

    `analyze("Sjukfrånvaron ökade")` gives `["sjukfrånvaro", "sjuk", "frånvaro", "öka"]`:
    each word's lemma, then its compound parts (lemmatised), stop words left out. The steps
    can be switched off one by one; `name` says which are on and goes into the index manifest.
    """

    def __init__(
        self,
        *,
        lemmatize: bool = True,
        split_compounds: bool = True,
        stopwords: bool = True,
        dictionary: Path | None = None,
    ) -> None:
        self.lemmatize = lemmatize
        self.split_compounds = split_compounds
        self.stopwords = stopwords
        self.dictionary = dictionary if dictionary is not None else default_dictionary()
        if (lemmatize or split_compounds) and not self.dictionary.is_file():
            raise MissingDictionaryError(_missing_message(self.dictionary))
        steps = [("lemma", lemmatize), ("compound", split_compounds), ("stop", stopwords)]
        self.name = "-".join(["sv1", *(step for step, on in steps if on)])  # bump on rule changes
        self._loaded: _Lexicon | None = None
        self._token_terms = lru_cache(maxsize=1 << 18)(self._compute_token_terms)
        # A search analyses its top passages' words again and again (highlights, the
        # reader's features): one frozenset per distinct word, not one per occurrence.
        self._token_term_set = lru_cache(maxsize=1 << 16)(self._compute_token_term_set)

    def __repr__(self) -> str:
        return f"SwedishAnalyzer(name={self.name!r})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Sent to a reader child process by its settings; the word lists load there.
        return _analyzer_of, (self.lemmatize, self.split_compounds, self.stopwords, self.dictionary)

    def analyze(self, text: str) -> list[str]:
        """Terms of `text` in order, for BM25 (a compound gives its lemma, then its parts)."""
        terms: list[str] = []
        for match in _TOKEN.finditer(text):
            terms.extend(self._token_terms(match.group().lower()))
        return terms

    def spans(self, text: str) -> list[tuple[int, int, frozenset[str]]]:
        """Every word of `text` as (start, end, its terms); a stop word has no terms.

        A passage word matches the query when its terms meet the query's `analyze` terms;
        `text[start:end]` is the word as written, so the UI can mark it.
        """
        term_set = self._token_term_set
        return [(m.start(), m.end(), term_set(m.group().lower())) for m in _TOKEN.finditer(text)]

    def is_word(self, word: str, compounds: bool = True) -> bool:
        """Whether `word` (lower case) is a Swedish word: one simplemma or the word list
        knows, or (with `compounds`) a compound of the word list's words
        ("revisionskontoret")."""
        lexicon = self._lexicon
        return lexicon.known(word) or (compounds and lexicon.split(word) is not None)

    @property
    def _lexicon(self) -> _Lexicon:
        if self._loaded is None:
            self._loaded = _load_lexicon(self.dictionary)  # on first use; shared by instances
        return self._loaded

    def _compute_token_term_set(self, token: str) -> frozenset[str]:
        return frozenset(self._token_terms(token))

    def _compute_token_terms(self, token: str) -> tuple[str, ...]:
        pieces = token.split("-")
        if len(pieces) == 1:
            return self._word_terms(token)
        terms: list[str] = []
        for piece in pieces:
            terms.extend(self._word_terms(piece))
        if all(piece.isalpha() and len(piece) > 1 for piece in pieces):
            # "kollektiv-trafik" also meets "kollektivtrafik" written as one word.
            terms.extend(self._word_terms("".join(pieces)))
        return tuple(dict.fromkeys(terms))

    def _word_terms(self, word: str) -> tuple[str, ...]:
        if self.stopwords and word in STOP_WORDS:
            return ()
        if not word.isalpha():
            return (word,)  # numbers, "co2": as written
        if len(word) < 2:
            return ()  # a lone letter, as in "e-tjänster" or "t.ex."
        if len(word) > MAX_WORD_CHARS:
            return (word,)
        if not self.lemmatize:
            whole = word
        elif not self.split_compounds or self._lexicon.known(word):
            whole = self._lexicon.lemma(word)
        else:
            # Unknown to simplemma: a compound gets its last part lemmatised
            # ("kollektivtrafikresandet" → "kollektivtrafikresande"), a fragment such as
            # "kvalitets-" (in "kvalitets- och miljöarbete") the word behind it.
            split = self._lexicon.split(word)
            whole = split[0] + split[3] if split else self._lexicon.head_word(word) or word
        if not self.split_compounds:
            return (whole,)
        terms = [whole, *self._parts(whole)]
        if self.stopwords:
            terms = [term for term in terms if term not in STOP_WORDS]
        return tuple(dict.fromkeys(terms))

    def _parts(self, word: str) -> list[str]:
        """Compound parts of `word`, outermost first (each part followed by its own parts,
        the first part before the last); empty for a simple word.

        Without lemmatisation a first part is still its dictionary word ("arbets" → "arbete"),
        a last part stays as written ("frånvaron"). Iterative, with a bound on the parts, so
        that no word can exhaust the stack.
        """
        parts: list[str] = []
        pending = self._children(word)[::-1]  # parts still to list, the next one last
        while pending and len(parts) < _MAX_PARTS:
            part = pending.pop()
            parts.append(part)
            pending.extend(self._children(part)[::-1])  # its own parts before the next
        return parts

    def _children(self, word: str) -> list[str]:
        """The first and last part of a compound (lemmatised if on), or [] for a simple word."""
        split = self._lexicon.split(word)
        if split is None:
            return []
        _, head_word, tail_as_written, tail_lemma = split
        head = self._lexicon.lemma(head_word) if self.lemmatize else head_word
        return [head, tail_lemma if self.lemmatize else tail_as_written]


@lru_cache(maxsize=4)
def _analyzer_of(
    lemmatize: bool, split_compounds: bool, stopwords: bool, dictionary: Path
) -> SwedishAnalyzer:
    """An analyzer unpickled in a reader child: one per settings, so that its word cache
    lasts from one batch of passages to the next."""
    return SwedishAnalyzer(
        lemmatize=lemmatize,
        split_compounds=split_compounds,
        stopwords=stopwords,
        dictionary=dictionary,
    )


@lru_cache(maxsize=1)
def get_analyzer() -> SwedishAnalyzer:
    """The default analyzer (lemmas, compound parts, no stop words), shared process-wide."""
    return SwedishAnalyzer()

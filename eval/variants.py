"""Retrieval and /ask variants to compare on the dev split (what `rapportsok eval` exposes as
`--fusion`, `--dense-weight`, `--municipality`, `--analyzer` and `--threshold`).

Every variant reuses the loaded index and its vectors; only the analyzer variant rebuilds
BM25 (a second or two), nothing is embedded again.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from indexer.language.analyzer import SwedishAnalyzer
    from search.retrieval import Searcher

AnalyzerVariant = Literal["full", "no-lemmas", "no-compounds", "no-stopwords", "plain"]
ANALYZER_VARIANTS: dict[str, dict[str, bool]] = {
    "full": {},
    "no-lemmas": {"lemmatize": False},
    "no-compounds": {"split_compounds": False},
    "no-stopwords": {"stopwords": False},
    "plain": {"lemmatize": False, "split_compounds": False, "stopwords": False},
}


def make_analyzer(variant: str) -> SwedishAnalyzer:
    """The analyzer with some steps switched off (see `ANALYZER_VARIANTS`)."""
    from indexer.language.analyzer import SwedishAnalyzer, get_analyzer

    if variant not in ANALYZER_VARIANTS:
        raise ValueError(f"analyzer must be one of {', '.join(ANALYZER_VARIANTS)}, got {variant!r}")
    if variant == "full":
        return get_analyzer()
    steps = {"lemmatize": True, "split_compounds": True, "stopwords": True}
    steps.update(ANALYZER_VARIANTS[variant])
    return SwedishAnalyzer(
        lemmatize=steps["lemmatize"],
        split_compounds=steps["split_compounds"],
        stopwords=steps["stopwords"],
    )


def with_analyzer(searcher: Searcher, analyzer: SwedishAnalyzer) -> Searcher:
    """A searcher whose BM25 side is rebuilt with another analyzer (same dense side)."""
    from indexer.build import make_bm25
    from indexer.reading.chunker import clean_text
    from search.retrieval import Searcher

    tokens = [analyzer.analyze(clean_text(c.indexed_text)) for c in searcher.index.chunks]
    index = dataclasses.replace(searcher.index, bm25=make_bm25(tokens))
    return Searcher(index, searcher.encoder, analyzer, searcher.fusion)


def with_fusion(searcher: Searcher, **changes: Any) -> Searcher:
    """A searcher over the same index with some `FusionConfig` fields changed
    (`method`, `dense_weight`, `municipality`, ...)."""
    from search.retrieval import Searcher

    fusion = dataclasses.replace(searcher.fusion, **changes)
    return Searcher(searcher.index, searcher.encoder, searcher.analyzer, fusion)

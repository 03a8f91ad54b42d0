"""Limits of a request that the search core, the API and the UI share, so that none of them
says a different number: the UI's question box stops where the API would refuse, and the API
refuses what the search core would.

A foundation (imports nothing of ours): the search core cannot import the API's schemas,
and the UI imports these through `service.schemas`.
"""

from __future__ import annotations

MAX_K = 50  # passages one search returns at most (POST /search `k`, `Searcher.search`)
MAX_QUERY_CHARS = 2000  # characters of a query or question
MAX_FILTER_VALUES = 50  # values of one filter list
# A query is embedded as its first QUERY_MAX_TOKENS tokens (with "query: ", <s> and </s>):
# the API's 2,000-character limit is ~500 tokens of Swedish but ~2,000 of Chinese, which
# the engine embedded as four 510-token windows (~0.9 s on one thread, under the model
# lock that every search waits for); 512 tokens still take ~0.15–0.23 s, 128 take ~15 ms.
# The longest question of eval/questions.jsonl is 33 tokens: every real query embeds as
# before; a pasted paragraph is embedded by its first ~500 characters of Swedish.
QUERY_MAX_TOKENS = 128
# The lexical side searches a query's first this many analyzer terms (a word gives one to
# three: lemma, form, compound parts): BM25's cost grows with the terms' postings, and 2,000
# characters can make several hundred terms. The 387 eval questions have at most 17.
MAX_QUERY_TERMS = 64

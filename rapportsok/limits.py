"""Limits of a request that the search core, the API and the UI share, so that none of them
says a different number: the UI's question box stops where the API would refuse, and the API
refuses what the search core would.

A foundation (imports nothing of ours): the search core cannot import the API's schemas,
and the UI imports these through `service.schemas`.
"""

from __future__ import annotations

MAX_K = 50  # passages one search returns at most (POST /search `k`, `Searcher.search`)
MAX_QUERY_CHARS = 2000  # characters of a query or question

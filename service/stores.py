"""The searcher of a loaded index version, over the store `RAPPORTSOK_STORE` names.

The segment index on disk is always written and published first (by `rapportsok index` and
by uploads and removals, `indexer.update`), and the journal settles every interrupted change
against its manifest (`service.journal`). With a Milvus store the collection is then brought
to exactly that index's reports (`search.milvus_sync`), report by report: so after a crash,
at the next start-up or change, Milvus holds each report fully or not at all, as the
segments do. pymilvus is imported only when the setting asks for Milvus.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rapportsok.errors import StoreUnavailable
from rapportsok.settings import Settings
from search.retrieval import Searcher

if TYPE_CHECKING:
    from indexer.embedding.encoders import Encoder
    from indexer.store.index import IndexData

log = logging.getLogger(__name__)


def make_searcher(
    settings: Settings, index: IndexData, encoder: Encoder, analyzer: Any
) -> Searcher:
    """A `Searcher` of `index` (just loaded and published) on the configured store; a bad
    setting or an unreachable Milvus is a `StoreUnavailable` (one line, 503)."""
    from search.milvus_client import parse_store

    try:
        setting = parse_store(settings.store)
    except ValueError as exc:
        raise StoreUnavailable(str(exc)) from exc
    if setting.kind == "segments":
        return Searcher(index, encoder, analyzer)
    from search.milvus_store import MilvusStore

    store, _ = MilvusStore.open(setting, index)
    return Searcher(store.index, encoder, analyzer, store=store)

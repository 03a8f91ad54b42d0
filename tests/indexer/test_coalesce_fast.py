"""Queries that wait for the model are embedded in one call (fast tier, fake model)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from indexer.embedding.coalesce import Coalescer


class _Model:
    """Embeds text i as [len(text), i-th call]; the first call holds until released."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.first_running = threading.Event()
        self.release = threading.Event()

    def run(self, texts: list[str]) -> np.ndarray:
        self.calls.append(texts)
        if len(self.calls) == 1:
            self.first_running.set()
            assert self.release.wait(10)
        if "boom" in texts:
            raise RuntimeError("model failed")
        return np.array([[len(t), len(self.calls)] for t in texts], dtype=np.float32)


def _during_a_call(
    model: _Model, coalescer: Coalescer, ask: Callable[[str], None], later: list[str]
) -> None:
    """`ask("a")` starts a call; the `later` texts are asked for while it runs."""
    first = threading.Thread(target=ask, args=("a",))
    first.start()
    assert model.first_running.wait(10)
    waiting = [threading.Thread(target=ask, args=(text,)) for text in later]
    for t in waiting:
        t.start()
    deadline = time.monotonic() + 10
    while len(coalescer._pending) < len(later) and time.monotonic() < deadline:
        time.sleep(0.005)
    model.release.set()
    for t in (first, *waiting):
        t.join(10)


def test_a_lone_query_is_embedded_at_once_in_its_own_call() -> None:
    model = _Model()
    model.release.set()
    assert Coalescer(model.run, 16).embed(["abc"]).tolist() == [[3.0, 1.0]]
    assert model.calls == [["abc"]]


def test_queries_arriving_during_a_call_share_the_next_one() -> None:
    model = _Model()
    coalescer = Coalescer(model.run, max_texts=3)
    results: dict[str, list[list[float]]] = {}

    def ask(text: str) -> None:
        results[text] = coalescer.embed([text]).tolist()

    _during_a_call(model, coalescer, ask, ["b" * n for n in range(2, 6)])
    # Oldest first, at most 3 texts a call; each caller gets its own rows.
    assert [len(c) for c in model.calls] == [1, 3, 1]
    assert sorted(model.calls[1] + model.calls[2]) == ["bb", "bbb", "bbbb", "bbbbb"]
    assert results["a"] == [[1.0, 1.0]]
    assert {results[t][0][0] for t in ("bb", "bbb", "bbbb", "bbbbb")} == {2.0, 3.0, 4.0, 5.0}


def test_a_failed_call_raises_in_every_caller_it_held_and_the_next_call_runs() -> None:
    model = _Model()
    coalescer = Coalescer(model.run, max_texts=16)
    errors: list[str] = []

    def ask(text: str) -> None:
        try:
            coalescer.embed([text])
        except RuntimeError as exc:
            errors.append(f"{text}: {exc}")

    _during_a_call(model, coalescer, ask, ["boom", "c"])
    assert sorted(errors) == ["boom: model failed", "c: model failed"]
    assert coalescer.embed(["d"]).tolist() == [[1.0, 3.0]]


def test_a_request_larger_than_a_call_still_gets_one() -> None:
    model = _Model()
    model.release.set()
    with pytest.raises(RuntimeError, match="model failed"):
        Coalescer(model.run, max_texts=1).embed(["x", "boom"])
    assert model.calls == [["x", "boom"]]

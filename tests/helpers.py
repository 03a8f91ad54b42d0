"""Helpers the tests share (not fixtures): a real uvicorn server on a free loopback port and a
deterministic fake encoder for the fast tier."""

from __future__ import annotations

import hashlib
import html
import re
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from eval.servers import free_port

__all__ = ["FakeEncoder", "LiveServer", "free_port"]


class LiveServer:
    """uvicorn in a background thread; `url` is its base URL; `options` go to uvicorn.Config."""

    def __init__(self, app: Any, **options: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", **options
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class FakeEncoder:
    """A deterministic stand-in for the model, for fast unit tests: each lower-cased word
    adds to one of `dim` hashed dimensions (a stable hash), rows L2-normalised. Texts that
    share words are similar; nothing is downloaded or loaded."""

    name = "fake-bow-64"
    dim = 64

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.sha256(word.encode("utf-8")).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dim] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def encode_documents(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        if progress is not None:
            progress(len(texts))
        return self.encode_queries(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def citations(at: Any) -> list[str]:
    """The citation lines (`<div class="rs-citation">`) of a Streamlit `AppTest`'s cards,
    as plain text."""
    out = []
    for m in at.markdown:
        if 'class="rs-citation"' in m.value:
            text = re.sub(r"<[^>]+>", "", m.value)
            out.append(html.unescape(text).removeprefix("Källa: ").strip())
    return out

"""Benchmark of the HTTP API: latency with one client, throughput with several, and the
in-process split of a search into embedding, FAISS, BM25 and fusion.

Starts `rapportsok serve` on a free loopback port unless `--url` names a running server
(loopback only). The queries are the eval set's questions, cycled; loops are bounded.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlparse

from eval.servers import LOOPBACK, free_port, percentile, serve_command, stop, wait_healthy


def _latency(
    url: str, path: str, bodies: Sequence[Mapping[str, object]]
) -> tuple[list[float], int]:
    import httpx

    times, errors = [], 0
    with httpx.Client(base_url=url, timeout=30) as client:
        for body in bodies:
            t = time.perf_counter()
            r = client.post(path, json=body)
            times.append((time.perf_counter() - t) * 1000)
            errors += r.status_code != 200
    return times, errors


def _throughput(
    url: str, path: str, bodies: Sequence[Mapping[str, object]], clients: int
) -> tuple[float, int]:
    """Requests per second with `clients` threads sharing the bodies; and the error count."""
    import httpx

    errors = [0] * clients
    chunks = [bodies[i::clients] for i in range(clients)]

    def worker(i: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for body in chunks[i]:
                try:
                    errors[i] += client.post(path, json=body).status_code != 200
                except httpx.HTTPError:
                    errors[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return len(bodies) / (time.perf_counter() - t), sum(errors)


def _in_process(index: Path, queries: list[str], store: str) -> dict[str, float]:
    """Mean milliseconds per step of `Searcher.search` in this process (on `store`)."""
    from indexer.embedding.encoders import load_encoder
    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from rapportsok.settings import Settings
    from service.stores import make_searcher

    idx = load_index(index)
    encoder = load_encoder(idx.manifest.encoder.name)
    searcher = make_searcher(Settings(store=store), idx, encoder, get_analyzer())
    searcher.cache_size = 0
    searcher.warm_up()
    rows = [searcher.search(q, 10)[1].as_dict() for q in queries]
    return {k: statistics.fmean(r[k] for r in rows) for k in rows[0]}


def run_bench(
    url: str | None = None,
    index: str | None = None,
    requests: int = 200,
    clients: int = 8,
    store: str | None = None,
) -> int:
    """Run the benchmark and print its numbers; non-zero exit when a request failed.
    `store` is the server's `RAPPORTSOK_STORE` (default: the setting's)."""
    from eval.metrics import load_questions
    from rapportsok.settings import get_settings

    if not 1 <= requests <= 10_000 or not 1 <= clients <= 64:
        raise ValueError(f"requests must be 1–10000 and clients 1–64, got {requests}, {clients}")
    index_dir = Path(index or get_settings().index_dir)
    proc = None
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = serve_command(index_dir, port)
        env = dict(os.environ, **({"RAPPORTSOK_STORE": store} if store else {}))
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    elif urlparse(url).hostname not in LOOPBACK:
        raise ValueError(f"bench only measures a server on this machine, got {url}")
    url = url.rstrip("/")
    try:
        wait_healthy(url, proc)
        questions = [q.question for q in load_questions()]
        # Every request distinct for the server's query-vector cache (trailing spaces change
        # the cache key, not the meaning), so each one pays for its embedding.
        queries = [
            questions[i % len(questions)] + " " * (i // len(questions)) for i in range(requests)
        ]
        _latency(url, "/search", [{"query": q, "k": 10} for q in questions[:10]])  # warm-up
        failures = 0
        store = store or get_settings().store
        print(
            f"server {url}, store {store}, {requests} requests per measurement, "
            "eval questions cycled\n"
        )
        for path, key in (("/search", "query"), ("/ask", "question")):
            # Distinct again per measurement: add a tab for the latency run, a newline for
            # the throughput run.
            pad = "\t" if key == "query" else "\t\t"
            single = [{key: q + pad, "k": 10 if key == "query" else 5} for q in queries]
            multi = [{key: q + pad + "\n", "k": 10 if key == "query" else 5} for q in queries]
            times, errors = _latency(url, path, single)
            rps, errors8 = _throughput(url, path, multi, clients)
            failures += errors + errors8
            print(
                f"{path:<8} 1 client: p50 {percentile(times, 50):6.1f} ms  p95 "
                f"{percentile(times, 95):6.1f} ms   {clients} clients: {rps:6.1f} req/s   "
                f"errors {errors + errors8}"
            )
    finally:
        stop(proc)
    if index_dir.exists():
        split = _in_process(index_dir, questions, store)
        print(
            "\nin-process search (mean ms, uncached): "
            + "  ".join(f"{k.removesuffix('_ms')} {v:.2f}" for k, v in split.items())
        )
    return 1 if failures else 0

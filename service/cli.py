"""`rapportsok serve` and `rapportsok bench` (registered into the indexer's CLI).

Only argparse at import time: FastAPI, uvicorn, FAISS and the model load when a command runs.
"""

from __future__ import annotations

import argparse


def _serve(args: argparse.Namespace) -> int:
    import os

    # One OpenMP thread per query embedding: requests run in parallel on the cores instead,
    # and OpenMP's spinning barriers collapse (~50x slower) when cores are shared.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import uvicorn

    from indexer.settings import get_settings
    from service.app import create_app

    settings = get_settings()
    update = {k: v for k, v in (("index_dir", args.index), ("host", args.host),
                                ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=update)
    print(f"Rapportsök API on http://{settings.host}:{settings.port} "
          f"(docs: http://{settings.host}:{settings.port}/docs), index {settings.index_dir}")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="warning" if not args.verbose else "info")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from service.bench import run_bench

    return run_bench(url=args.url, index=args.index, requests=args.requests,
                     clients=args.clients)


def register(sub: argparse._SubParsersAction) -> None:
    """Add `serve` and `bench` to the `rapportsok` subcommands."""
    p = sub.add_parser("serve", help="start the HTTP API (search, ask, documents)",
                       description="Load the index and the model once and serve the API.")
    p.add_argument("--index", help="index folder (default: ./data/index)")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: 8000)")
    p.set_defaults(func=_serve)

    p = sub.add_parser("bench", help="measure /search and /ask latency and throughput",
                       description="Start a server on a free loopback port (or use --url), "
                       "then measure p50/p95 latency with one client, throughput with several, "
                       "and the in-process split of search time.")
    p.add_argument("--url", help="a running server to measure (loopback only)")
    p.add_argument("--index", help="index folder (default: ./data/index)")
    p.add_argument("--requests", type=int, default=200,
                   help="requests per measurement (default: 200)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    p.set_defaults(func=_bench)

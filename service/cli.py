"""`rapportsok serve` and `rapportsok bench` (registered into the indexer's CLI).

Only argparse at import time: FastAPI, uvicorn, FAISS and the model load when a command runs.
"""

from __future__ import annotations

import argparse


def _serve(args: argparse.Namespace) -> int:

    import uvicorn

    from indexer.settings import get_settings
    from service.app import create_app, load_services

    settings = get_settings()
    update = {k: v for k, v in (("index_dir", args.index), ("host", args.host),
                                ("port", args.port), ("corpus_dir", args.corpus))
              if v is not None}
    settings = settings.model_copy(update=update)
    # Loaded before the server starts: a damaged index is one line from the CLI and a
    # non-zero exit (IndexCorrupt names the folder and `rapportsok index`), not a traceback.
    services = load_services(settings)
    uploads = "on" if settings.api_key else "off (set RAPPORTSOK_API_KEY)"
    print(f"Rapportsök API on http://{settings.host}:{settings.port} "
          f"(docs: http://{settings.host}:{settings.port}/docs), index {settings.index_dir}, "
          f"uploads {uploads}", flush=True)
    uvicorn.run(create_app(settings, services=services), host=settings.host,
                port=settings.port, log_level="warning" if not args.verbose else "info")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from service.bench import run_bench

    return run_bench(url=args.url, index=args.index, requests=args.requests,
                     clients=args.clients)


def _loadtest(args: argparse.Namespace) -> int:
    from service.loadtest import run_loadtest

    return run_loadtest(url=args.url, index=args.index, corpus=args.corpus,
                        clients=args.clients, seconds=args.seconds, upload=args.upload,
                        api_key=args.api_key, no_upload=args.no_upload)


def register(sub: argparse._SubParsersAction) -> None:
    """Add `serve`, `bench` and `loadtest` to the `rapportsok` subcommands."""
    p = sub.add_parser("serve", help="start the HTTP API (search, ask, documents)",
                       description="Load the index and the model once and serve the API.")
    p.add_argument("--index", help="index folder (default: ./data/index)")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: 8000)")
    p.add_argument("--corpus", help="folder of reports that uploads go to (default: ./corpus)")
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

    p = sub.add_parser("loadtest", help="mixed /search and /ask load while a report is uploaded",
                       description="Concurrent clients send /search and /ask for a fixed time "
                       "while a report is uploaded and indexed mid-run; prints p50/p95 and the "
                       "failed requests (exit 1 if any). Without --url it starts its own server "
                       "over a temporary copy of the index and corpus.")
    p.add_argument("--url", help="a running server (loopback only; needs --api-key to upload)")
    p.add_argument("--api-key", help="the server's API key (default: RAPPORTSOK_API_KEY)")
    p.add_argument("--index", help="index folder to copy (default: ./data/index)")
    p.add_argument("--corpus", help="corpus folder to copy (default: ./corpus)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    p.add_argument("--seconds", type=float, default=30.0, help="duration (default: 30)")
    p.add_argument("--upload", help="report to upload mid-run (default: a small sample)")
    p.add_argument("--no-upload", action="store_true", help="only queries, no upload")
    p.set_defaults(func=_loadtest)

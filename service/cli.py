"""`rapportsok serve` (registered into `rapportsok.cli`).

Only argparse at import time: FastAPI, uvicorn, FAISS and the model load when a command runs.
"""

from __future__ import annotations

import argparse


def _serve(args: argparse.Namespace) -> int:

    import uvicorn

    from rapportsok.settings import get_settings
    from service.app import create_app, load_services
    from service.connections import raise_file_limit, uvicorn_options

    settings = get_settings()
    update = {
        k: v
        for k, v in (
            ("index_dir", args.index),
            ("host", args.host),
            ("port", args.port),
            ("corpus_dir", args.corpus),
        )
        if v is not None
    }
    settings = settings.model_copy(update=update)
    # Loaded before the server starts: a damaged index is one line from the CLI and a
    # non-zero exit (IndexCorrupt names the folder and `rapportsok index`), not a traceback.
    services = load_services(settings)
    uploads = "on" if settings.api_key else "off (set RAPPORTSOK_API_KEY)"
    print(
        f"Rapportsök API on http://{settings.host}:{settings.port} "
        f"(docs: http://{settings.host}:{settings.port}/docs), index {settings.index_dir}, "
        f"uploads {uploads}",
        flush=True,
    )
    uvicorn.run(
        create_app(settings, services=services),
        host=settings.host,
        port=settings.port,
        log_level="warning" if not args.verbose else "info",
        **uvicorn_options(settings, raise_file_limit()),
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `serve` to the `rapportsok` subcommands."""
    p = sub.add_parser(
        "serve",
        help="start the HTTP API (search, ask, documents)",
        description="Load the index and the model once and serve the API.",
    )
    p.add_argument("--index", help="index folder (default: ./data/index)")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: 8000)")
    p.add_argument("--corpus", help="folder of reports that uploads go to (default: ./corpus)")
    p.set_defaults(func=_serve)

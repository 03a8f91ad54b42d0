"""The `rapportsok ui` subcommand: start the Streamlit web UI (imports stay light)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int, host: str) -> list[str]:
    """The `streamlit run` command line for the UI on host:port."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def _ui(args: argparse.Namespace) -> int:
    from rapportsok.settings import get_settings

    settings = get_settings()
    port = args.port or settings.ui_port
    host = args.host or settings.host
    api_url = args.api_url or settings.api_url
    if not 1 <= port <= 65535:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    if not api_url.startswith(("http://", "https://")):
        raise ValueError(f"--api-url must start with http:// or https://, got {api_url!r}")
    env = {**os.environ, "RAPPORTSOK_API_URL": api_url}
    print(f"Rapportsök UI on http://{host}:{port} (API: {api_url})", flush=True)
    proc = subprocess.Popen(streamlit_command(port, host), env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl-C: let Streamlit shut down cleanly
        proc.terminate()
        proc.wait(timeout=10)
        return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `ui` to the subcommands of `rapportsok`."""
    p = sub.add_parser(
        "ui",
        help="start the web UI (Streamlit) on 127.0.0.1:8501",
        description="Start the web UI. It talks to the API over HTTP, so start "
        "the API first (`rapportsok serve`) or point --api-url at a running one.",
    )
    p.add_argument("--port", type=int, help="port of the UI (default: 8501, RAPPORTSOK_UI_PORT)")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1, RAPPORTSOK_HOST)")
    p.add_argument(
        "--api-url", help="address of the API (default: http://127.0.0.1:8000, RAPPORTSOK_API_URL)"
    )
    p.set_defaults(func=_ui)

"""`rapportsok ui`, `rapportsok run` (API and UI together) and `rapportsok feedback export`.
Imports stay light: Streamlit and the API load in their own processes."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ui.launch import (
    API_START_SECONDS,
    APP,
    StartFailed,
    api_command,
    check_port,
    connect_host,
    ended_message,
    start,
    stop_all,
    streamlit_command,
    supervise,
    wait_for_port,
)

__all__ = ["APP", "register", "streamlit_command"]


def _api_url(explicit: str | None) -> str:
    """--api-url, else RAPPORTSOK_API_URL, else the API's own host and port (so that
    RAPPORTSOK_PORT moves the UI's API address with it)."""
    from rapportsok.settings import get_settings

    settings = get_settings()
    if explicit:
        url = explicit
    elif os.environ.get("RAPPORTSOK_API_URL"):
        url = settings.api_url
    else:
        url = f"http://{connect_host(settings.host)}:{settings.port}"
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--api-url must start with http:// or https://, got {url!r}")
    return url


def _ui(args: argparse.Namespace) -> int:
    from rapportsok.settings import get_settings

    settings = get_settings()
    port = args.port or settings.ui_port
    host = args.host or settings.host
    api_url = _api_url(args.api_url)
    check_port(host, port, "web UI", "--port or RAPPORTSOK_UI_PORT")
    print(f"Rapportsök UI on http://{connect_host(host)}:{port} (API: {api_url})", flush=True)
    cmd = streamlit_command(port, host, settings.max_upload_mb)
    return supervise([start(cmd, {"RAPPORTSOK_API_URL": api_url}, "the web UI (Streamlit)")])


def _run(args: argparse.Namespace) -> int:
    from rapportsok.settings import get_settings

    settings = get_settings()
    host = args.host or settings.host
    api_port = args.api_port or settings.port
    ui_port = args.port or settings.ui_port
    if api_port == ui_port:
        raise ValueError(f"the API and the UI need different ports, both are {api_port}")
    check_port(host, api_port, "API", "--api-port or RAPPORTSOK_PORT")
    check_port(host, ui_port, "web UI", "--port or RAPPORTSOK_UI_PORT")
    reach = connect_host(host)
    api_url = f"http://{reach}:{api_port}"
    print(f"Starting the API on {api_url} (loading the index and the model) …", flush=True)
    api = start(api_command(host, api_port), {}, "the API (rapportsok serve)")
    try:
        wait_for_port(api.proc, host, api_port, API_START_SECONDS)
    except KeyboardInterrupt:
        stop_all([api.proc])
        return 0
    except StartFailed:
        stop_all([api.proc])
        code = api.proc.poll()
        if code is not None:
            print(ended_message(api, code, []), file=sys.stderr, flush=True)
        raise
    except BaseException:
        stop_all([api.proc])
        raise
    ui = start(
        streamlit_command(ui_port, host, settings.max_upload_mb),
        {"RAPPORTSOK_API_URL": api_url},
        "the web UI (Streamlit)",
    )
    print(
        f"\n  API: {api_url}/docs\n  UI:  http://{reach}:{ui_port}\n\nStop both with Ctrl-C.\n",
        flush=True,
    )
    return supervise([api, ui])


def _feedback_export(args: argparse.Namespace) -> int:
    from rapportsok.settings import get_settings
    from ui import feedback

    db = Path(args.db) if args.db else feedback.feedback_path(get_settings().index_dir)
    votes = feedback.load(db)
    if not votes:
        raise FileNotFoundError(f"no feedback in {db} yet (readers give it with 👍/👎 in the UI)")
    out = Path(args.out)
    ready, drafts = feedback.export_jsonl(votes, out)
    print(
        f"wrote {len(votes)} questions to {out}: {ready} ready for the eval set, "
        f"{drafts} drafts (👎) whose evidence a person must fill in; the readers' votes "
        f"and comments to {feedback.feedback_out(out)}"
    )
    return 0


FEEDBACK_FORMAT = """\
Write every 👍/👎 readers gave in the UI as two JSON Lines files, one line per vote, in the
order given, with the same id (fb0001, fb0002, …) on both:

OUT (eval/questions.jsonl's format; keys id, question, type, doc_ids, evidence, split):
  👍 on an answer     type "fact" ("comparison" over several reports), doc_ids the
                      cited reports, evidence the quotes: ready for the eval set
  👍 on "Inget svar"  type "unanswerable", no doc_ids, no evidence: ready
  👎 on an answer     a draft: doc_ids the cited reports as a hint, evidence empty
  👎 on "Inget svar"  a draft: type "fact", no doc_ids, no evidence
  split is "dev". `rapportsok eval` refuses a draft until a person fills in its
  doc_ids and evidence (the reader's comment says where to look).

OUT with .feedback.jsonl for .jsonl (what the readers said):
  id, rating ("up"/"down"), comment (free text, "" when none), answered (false for
  "Inget svar i rapporterna"), answer (the answer shown, null for none), created
  (UTC, ISO 8601), index_version (the index the answer came from).
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add `ui`, `run` and `feedback` to the subcommands of `rapportsok`."""
    p = sub.add_parser(
        "ui",
        help="start the web UI (Streamlit) on 127.0.0.1:8501",
        description="Start the web UI. It talks to the API over HTTP, so start "
        "the API first (`rapportsok serve`) or point --api-url at a running one.",
    )
    p.add_argument("--port", type=int, help="port of the UI (default: 8501, RAPPORTSOK_UI_PORT)")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1, RAPPORTSOK_HOST)")
    p.add_argument(
        "--api-url",
        help="address of the API (default: RAPPORTSOK_API_URL, else http://127.0.0.1 on "
        "RAPPORTSOK_PORT, 8000)",
    )
    p.set_defaults(func=_ui)

    r = sub.add_parser(
        "run",
        help="start the API and the web UI together (what `make run` does)",
        description="Start the API, wait until it listens, then the web UI pointed at it. "
        "Refuses to start if a port is taken; Ctrl-C or SIGTERM stops both.",
    )
    r.add_argument("--api-port", type=int, help="port of the API (default: 8000, RAPPORTSOK_PORT)")
    r.add_argument("--port", type=int, help="port of the UI (default: 8501, RAPPORTSOK_UI_PORT)")
    r.add_argument("--host", help="address of both (default: 127.0.0.1, RAPPORTSOK_HOST)")
    r.set_defaults(func=_run)

    f = sub.add_parser("feedback", help="readers' 👍/👎 on answers")
    fsub = f.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    e = fsub.add_parser(
        "export",
        help="write the feedback as eval questions (JSON Lines, eval/questions.jsonl's format)",
        description=FEEDBACK_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("--out", default="feedback-questions.jsonl", help="file to write")
    e.add_argument("--db", help="feedback database (default: data/feedback.sqlite3)")
    e.set_defaults(func=_feedback_export)

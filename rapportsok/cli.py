"""`rapportsok`: index reports, inspect the index, serve the API and UI, evaluate, benchmark.

This module only collects each package's `register(subparsers)`; heavy imports (FAISS, the
model, FastAPI, Streamlit) happen inside the subcommands, so `--help` is instant. Errors
become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import logging
import sys

EXAMPLES = """examples:
  rapportsok index                      index ./corpus into ./data/index
  rapportsok index reports/ --out idx/  index another folder
  rapportsok info                       show what the index holds
  rapportsok serve                      start the HTTP API on 127.0.0.1:8000
  rapportsok ui                         start the web UI on 127.0.0.1:8501
  rapportsok eval --split dev           measure retrieval and /ask on the dev questions
  rapportsok reader train               train the cross-encoder reader (about an hour)
"""

# Errors whose message is already meant for people (besides our own `RapportsokError`).
_EXPECTED = (ValueError, FileNotFoundError, ImportError, PermissionError)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `rapportsok`, with every package's subcommands."""
    # `from eval import cli`, never `import eval` (the package name shadows the builtin).
    from eval import cli as eval_cli
    from indexer import cli as indexer_cli
    from reader_model import cli as reader_cli
    from service import cli as service_cli
    from ui import cli as ui_cli

    parser = argparse.ArgumentParser(
        prog="rapportsok",
        description="Rapportsök: search and question answering over Swedish municipal reports.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for package in (indexer_cli, service_cli, ui_cli, eval_cli, reader_cli):
        package.register(sub)
    return parser


def user_error(exc: BaseException) -> str:
    """A one-line message for `exc`; unexpected errors say how to see the details."""
    from rapportsok.errors import RapportsokError

    if isinstance(exc, (RapportsokError, *_EXPECTED)):
        return str(exc)
    return f"{type(exc).__name__}: {exc} (run with -v for the details)"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `rapportsok` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted; the previous index is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        print(f"rapportsok: error: {user_error(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

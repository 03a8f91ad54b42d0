"""Load test: concurrent clients send mixed `/search` and `/ask` requests for a fixed time
while a report is uploaded and indexed mid-run; every failed request is counted.

`rapportsok loadtest` starts its own server on a free loopback port over a temporary copy of
the corpus and the index (the real ones are never changed), or measures a running server
given with `--url` (loopback only; the uploaded report is deleted again at the end).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from eval.servers import LOOPBACK, free_port, percentile, serve_command, stop, wait_healthy

if TYPE_CHECKING:
    import httpx

SAMPLE_NAME = "lasttest-sundsvik-kultur-2024.md"
SAMPLE_REPORT = """# Sundsviks kommun – kultur- och fritidsnämnden 2024

## Kultur och fritid

Biblioteket i Sundsvik har fått utökade öppettider under hösten, med kvällsöppet tre dagar \
i veckan och läxhjälp på lördagar.

Fritidsgårdarna har haft fler besökare än tidigare år, särskilt under sommarlovet.

## Ekonomi

Kultur- och fritidsnämnden redovisar ett överskott på 1,7 miljoner kronor för perioden.
"""
_FALLBACK_QUESTIONS = [
    "Hur hög var sjukfrånvaron bland Timrås kommunanställda 2021?",
    "Vilket valdeltagande hade Köpings kommun i kommunvalet 2018?",
    "Hur stort överskott redovisade kommunstyrelsen i Krokom för 2020?",
    "budgetavvikelse kommunstyrelsen",
]


@dataclass
class LoadReport:
    """Latencies (ms) per endpoint, failures, and what the upload did."""

    seconds: float
    clients: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    upload: dict[str, Any] | None = None

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def ok(self) -> bool:
        """No failed request, and the upload (if any) was indexed."""
        return not self.failures and (self.upload is None or self.upload.get("status") == 201)

    def lines(self) -> list[str]:
        """The report as printed by `rapportsok loadtest`."""
        out = [
            f"{self.clients} clients for {self.seconds:.0f} s: {self.requests} requests, "
            f"{self.requests / self.seconds:.1f} req/s, {len(self.failures)} failed"
        ]
        for path, times in sorted(self.latencies.items()):
            if times:
                out.append(
                    f"{path:<8} {len(times):5d} requests  p50 {percentile(times, 50):7.1f}"
                    f" ms  p95 {percentile(times, 95):7.1f} ms  max {max(times):7.1f} ms"
                )
        if self.upload is not None:
            u = self.upload
            out.append(
                f"upload   {u.get('filename')}: HTTP {u.get('status')} after "
                f"{u.get('at', 0):.1f} s, took {u.get('ms', 0) / 1000:.1f} s, "
                f"{u.get('chunks', '?')} passages added"
            )
        out += [f"failed: {f}" for f in self.failures[:10]]
        return out


def _questions() -> list[str]:
    try:
        from eval.metrics import load_questions

        return [q.question for q in load_questions()] or _FALLBACK_QUESTIONS
    except Exception:  # the eval set is optional for a load test
        return _FALLBACK_QUESTIONS


def run_load(
    url: str,
    *,
    clients: int = 8,
    seconds: float = 30.0,
    upload: tuple[str, bytes] | None = None,
    api_key: str | None = None,
    upload_after: float | None = None,
    cleanup: bool = False,
) -> LoadReport:
    """Run `clients` threads of alternating /search and /ask against `url` for `seconds`,
    uploading `upload` (name, bytes) after `upload_after` seconds (default: a third of the
    run). With `cleanup`, the uploaded report is deleted after the run."""
    _check_load(url, clients, seconds, upload, api_key)
    questions = _questions()
    run = _LoadRun(url, clients, questions, seconds, start=time.monotonic())
    threads = [threading.Thread(target=run.client, args=(n,), daemon=True) for n in range(clients)]
    if upload is not None:
        at = upload_after if upload_after is not None else seconds / 3
        threads.append(
            threading.Thread(target=run.upload, args=(*upload, api_key, at), daemon=True)
        )
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=seconds + 660)
    run.report.seconds = max(seconds, time.monotonic() - run.start)
    doc_id = (run.report.upload or {}).get("document_id")
    if cleanup and doc_id:
        _delete(url, doc_id, api_key)
    return run.report


def _check_load(
    url: str, clients: int, seconds: float, upload: tuple[str, bytes] | None, api_key: str | None
) -> None:
    """Refuse a load test of another machine, out-of-range sizes, and an upload without the
    server's API key."""
    if urlparse(url).hostname not in LOOPBACK:
        raise ValueError(f"the load test only runs against this machine, got {url}")
    if not 1 <= clients <= 64 or not 0 < seconds <= 600:
        raise ValueError(f"clients must be 1–64 and seconds 0–600, got {clients}, {seconds}")
    if upload is not None and not api_key:
        raise ValueError("uploading needs the server's API key (--api-key or RAPPORTSOK_API_KEY)")


class _LoadRun:
    """One load test under way: the clients' loops and the upload, all recording into one
    `LoadReport` (under a lock: the clients are threads)."""

    def __init__(
        self, url: str, clients: int, questions: list[str], seconds: float, start: float
    ) -> None:
        self.url = url
        self.clients = clients
        self.questions = questions
        self.start = start  # time.monotonic()
        self.deadline = start + seconds
        self.report = LoadReport(
            seconds=seconds, clients=clients, latencies={"/search": [], "/ask": []}
        )
        self._lock = threading.Lock()

    def client(self, n: int) -> None:
        """Client `n`: requests n, n + clients, n + 2 × clients, … until the deadline."""
        import httpx

        with httpx.Client(base_url=self.url, timeout=60) as http:
            i = n
            while time.monotonic() < self.deadline:
                path, body = self._request(i)
                ms, problem = _post(http, path, body)
                with self._lock:
                    self.report.latencies[path].append(ms)
                    if problem:
                        self.report.failures.append(problem)
                i += self.clients

    def _request(self, i: int) -> tuple[str, dict[str, Any]]:
        """Request `i` of the run: /search when even, /ask when odd, over the questions in
        turn; each round through them sends them with one more trailing space (0–49), the
        same question as another text."""
        q = self.questions[i % len(self.questions)] + " " * (i // len(self.questions) % 50)
        return (
            ("/search", {"query": q, "k": 10}) if i % 2 == 0 else ("/ask", {"question": q, "k": 5})
        )

    def upload(self, name: str, data: bytes, api_key: str | None, at: float) -> None:
        """Upload report `name` `at` seconds into the run; record what the server answered
        and how long it took in the report's `upload`."""
        import httpx

        time.sleep(max(0.0, self.start + at - time.monotonic()))
        info: dict[str, Any] = {"filename": name, "at": time.monotonic() - self.start}
        t = time.perf_counter()
        try:
            with httpx.Client(base_url=self.url, timeout=600) as http:
                r = http.post(
                    "/documents",
                    files={"file": (name, data)},
                    headers={"Authorization": f"Bearer {api_key}"},
                )
            info.update(status=r.status_code, body=r.json())
            if r.status_code == 201:
                info.update(document_id=r.json()["document_id"], chunks=r.json()["chunks"])
        except (httpx.HTTPError, ValueError) as exc:
            info.update(status=None, error=str(exc))
        info["ms"] = (time.perf_counter() - t) * 1000
        self.report.upload = info


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> tuple[float, str | None]:
    """One request: its latency (ms) and what went wrong (None: HTTP 200)."""
    import httpx

    t = time.perf_counter()
    try:
        r = http.post(path, json=body)
        problem = None if r.status_code == 200 else f"{path} HTTP {r.status_code}: {r.text[:200]}"
    except httpx.HTTPError as exc:
        problem = f"{path} {type(exc).__name__}: {exc}"
    return (time.perf_counter() - t) * 1000, problem


def _delete(url: str, doc_id: str, api_key: str | None) -> None:
    """Delete the report the run uploaded (a server given with `--url` is left as it was)."""
    import httpx

    httpx.delete(
        f"{url}/documents/{doc_id}", timeout=600, headers={"Authorization": f"Bearer {api_key}"}
    )


@contextmanager
def own_server(index: Path, corpus: Path, api_key: str) -> Iterator[tuple[str, int]]:
    """`rapportsok serve` on a free loopback port over temporary copies of the index and
    the corpus, with `api_key`; yields its URL and process id."""
    from indexer.store.index import version_dir

    with tempfile.TemporaryDirectory(prefix="rapportsok-load-") as tmp:
        root = Path(tmp)
        shutil.copytree(corpus, root / "corpus")
        version = version_dir(index)
        shutil.copytree(version, root / version.name)
        (root / "index").symlink_to(version.name)
        port = free_port()
        cmd = serve_command(root / "index", port, root / "corpus")
        env = {**os.environ, "RAPPORTSOK_API_KEY": api_key}
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url, proc.pid
        finally:
            stop(proc)


@contextmanager
def temporary_server(index: str | None, corpus: str | None) -> Iterator[tuple[str, str, int]]:
    """`own_server` over `--index` and `--corpus` (default: the settings' folders) with a
    fresh API key; yields its URL, the key and its process id."""
    from rapportsok.settings import get_settings

    settings = get_settings()
    key = secrets.token_urlsafe(24)
    with own_server(
        Path(index or settings.index_dir), Path(corpus or settings.corpus_dir), key
    ) as (url, pid):
        yield url, key, pid


def run_loadtest(
    url: str | None = None,
    index: str | None = None,
    corpus: str | None = None,
    clients: int = 8,
    seconds: float = 30.0,
    upload: str | None = None,
    api_key: str | None = None,
    no_upload: bool = False,
) -> int:
    """`rapportsok loadtest`: run, print the report; non-zero exit on any failure."""
    from rapportsok.settings import get_settings

    settings = get_settings()
    if no_upload:
        payload = None
    elif upload:
        payload = (Path(upload).name, Path(upload).read_bytes())
    else:
        payload = (SAMPLE_NAME, SAMPLE_REPORT.encode("utf-8"))
    if url is None:
        with temporary_server(index, corpus) as (own, key, _):
            print(f"server {own} over a temporary copy of the index and corpus")
            report = run_load(own, clients=clients, seconds=seconds, upload=payload, api_key=key)
    else:
        print(f"server {url}")
        report = run_load(
            url.rstrip("/"),
            clients=clients,
            seconds=seconds,
            upload=payload,
            api_key=api_key or settings.api_key,
            cleanup=True,
        )
    print("\n".join(report.lines()))
    return 0 if report.ok else 1

"""`rapportsok loadtest --mixed`: query latency while the corpus is being changed.

First `clients` threads send /search and /ask to an idle server; then the same load runs
while one writer uploads reports (one of them a flate-bomb PDF), deletes them and deletes
unknown ids, over and over. It prints search p50/p95 during the writes next to the idle
ones, the errors, what the writes answered, and the server's peak RSS (sampled from /proc
when the tool started the server itself). Targets: no failed search, search p95 during
writes at most 2× the idle p95, peak RSS at most idle RSS + 1 GB.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from eval.loadtest import SAMPLE_REPORT, LoadReport, run_load, temporary_server
from eval.servers import LOOPBACK, percentile

MB = 1024 * 1024
P95_FACTOR, RSS_HEADROOM_MB = 2.0, 1024  # the targets


def flate_bomb(inflated_mb: int) -> bytes:
    """A zlib stream of `inflated_mb` MB of zeros, about 1,000 times smaller: one fully
    flushed deflate segment of 1 MB repeated (each is byte-aligned and self-contained)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(b"\0" * MB) + deflate.flush(zlib.Z_FULL_FLUSH)
    # Adler-32 of n zero bytes: A stays 1, B adds A once per byte.
    checksum = ((inflated_mb * MB) % 65521) << 16 | 1
    return b"\x78\xda" + segment * inflated_mb + b"\x03\x00" + checksum.to_bytes(4, "big")


def one_page_pdf(content: bytes) -> bytes:
    """A one-page PDF whose content stream is `content` (already Flate-compressed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (numbered from 1, the catalogue first) with its cross-reference
    table and trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (0 when it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class MixedReport:
    """Idle and during-writes load, what the writes answered, and the server's memory."""

    idle: LoadReport
    writes: LoadReport
    answers: Counter[str] = field(default_factory=Counter)
    idle_rss_mb: float = 0.0
    peak_rss_mb: float = 0.0

    def p95_ratio(self) -> float:
        idle, busy = self.idle.latencies["/search"], self.writes.latencies["/search"]
        return percentile(busy, 95) / percentile(idle, 95) if idle and busy else 0.0

    @property
    def ok(self) -> bool:
        """The targets: no failed search, p95 ≤ 2× idle, peak RSS ≤ idle + 1 GB."""
        searches_failed = [f for f in self.idle.failures + self.writes.failures if "/search" in f]
        rss_ok = not self.peak_rss_mb or self.peak_rss_mb <= self.idle_rss_mb + RSS_HEADROOM_MB
        return not searches_failed and self.p95_ratio() <= P95_FACTOR and rss_ok

    def lines(self) -> list[str]:
        """The report as printed by `rapportsok loadtest --mixed`."""
        idle, busy = self.idle.latencies["/search"], self.writes.latencies["/search"]
        out = [
            f"search idle          {len(idle):5d} requests  p50 {percentile(idle, 50):7.1f} ms"
            f"  p95 {percentile(idle, 95):7.1f} ms",
            f"search during writes {len(busy):5d} requests  p50 {percentile(busy, 50):7.1f} ms"
            f"  p95 {percentile(busy, 95):7.1f} ms  ({self.p95_ratio():.2f}× idle p95, "
            f"target ≤ {P95_FACTOR:g}×)",
            f"errors: {len(self.idle.failures)} idle, {len(self.writes.failures)} during writes",
            "writes: " + ", ".join(f"{k} {n}" for k, n in sorted(self.answers.items())),
        ]
        if self.peak_rss_mb:
            out.append(rss_line(self.idle_rss_mb, self.peak_rss_mb, RSS_HEADROOM_MB))
        out += [f"failed: {f}" for f in (self.idle.failures + self.writes.failures)[:10]]
        return out


def _writer(url: str, api_key: str, stop: threading.Event, answers: Counter[str]) -> None:
    """Upload, delete and delete-unknown in a loop until `stop`; a bomb PDF once."""
    import httpx

    auth = {"Authorization": f"Bearer {api_key}"}
    bomb = one_page_pdf(flate_bomb(3 * 1024))  # 3 GB inflated, about 3 MB sent
    n = 0
    with httpx.Client(base_url=url, timeout=600, headers=auth) as http:
        while not stop.is_set():
            if n == 1:
                r = http.post("/documents", files={"file": ("lasttest-bomb.pdf", bomb)})
                answers[f"bomb upload {r.status_code}"] += 1
            text = SAMPLE_REPORT + f"\nVersion {n} av lasttestet.\n"
            r = http.post("/documents", files={"file": (f"lasttest-{n}.md", text.encode())})
            answers[f"upload {r.status_code}"] += 1
            for i in range(5):
                d = http.delete(f"/documents/finns-inte-{n}-{i}")
                answers[f"unknown delete {d.status_code}"] += 1
            if r.status_code == 201:
                d = http.delete(f"/documents/{r.json()['document_id']}")
                answers[f"delete {d.status_code}"] += 1
            n += 1


def rss_line(idle_mb: float, peak_mb: float, headroom_mb: float) -> str:
    """The server's memory as the load tests print it."""
    return (
        f"server RSS: idle {idle_mb:.0f} MB, peak {peak_mb:.0f} MB "
        f"(+{peak_mb - idle_mb:.0f} MB, target ≤ +{headroom_mb:g})"
    )


class PeakRss:
    """The largest resident memory of process `pid` while the block runs (sampled every
    0.1 s; 0 without a pid), and its RSS when the block began (`start`)."""

    def __init__(self, pid: int | None) -> None:
        self.pid, self.peak = pid, 0.0
        self.start = rss_mb(pid) if pid else 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, rss_mb(self.pid) if self.pid else 0.0)
            time.sleep(0.1)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)


def run_mixed(
    url: str, api_key: str, *, clients: int = 8, seconds: float = 30.0, pid: int | None = None
) -> MixedReport:
    """Idle load for `seconds`, then the same load with the writer running (see above)."""
    idle = run_load(url, clients=clients, seconds=seconds)
    stop, answers = threading.Event(), Counter[str]()
    writer = threading.Thread(target=_writer, args=(url, api_key, stop, answers), daemon=True)
    with PeakRss(pid) as rss:
        writer.start()
        try:
            writes = run_load(url, clients=clients, seconds=seconds)
        finally:
            stop.set()
            writer.join(timeout=600)
    return MixedReport(idle, writes, answers, rss.start, rss.peak)


Run = Callable[..., Any]  # run_mixed or run_hostile: (url, key, clients=, seconds=, pid=)


def run_command(
    what: str,
    run: Run,
    url: str | None,
    index: str | None,
    corpus: str | None,
    clients: int,
    seconds: float,
    api_key: str | None,
) -> int:
    """`rapportsok loadtest --mixed` or `--hostile`: `run` against a server of its own over
    a temporary copy of the index and corpus (its memory sampled), or against `url` on this
    machine with its API key; print the report, exit 1 when a target is missed."""
    if url is None:
        with temporary_server(index, corpus) as (own, key, pid):
            print(f"server {own} (pid {pid}) over a temporary copy of the index and corpus")
            report = run(own, key, clients=clients, seconds=seconds, pid=pid)
    else:
        if urlparse(url).hostname not in LOOPBACK:
            raise ValueError(f"the load test only runs against this machine, got {url}")
        from rapportsok.settings import get_settings

        api_key = api_key or get_settings().api_key
        if not api_key:
            raise ValueError(f"--{what} uploads: it needs the server's API key (--api-key)")
        print(f"server {url} (its memory is not sampled)")
        report = run(url.rstrip("/"), api_key, clients=clients, seconds=seconds)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1

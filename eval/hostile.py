"""`rapportsok loadtest --hostile`: query latency while hostile input arrives.

First `clients` threads send /search and /ask to an idle server; then the same load runs
during each hostile input in turn: two clients sending 2,000-character queries of Chinese
(about one token a character: the longest a query may be); a hundred connections that
send half their headers and never finish; a writer uploading what once held the server (a
report of one 80 KB paragraph without a full stop, a PDF of 120 pages that are each one
page image, an OCR bomb, and a flate bomb). It prints search p50/p95 during each next to
the idle ones, every answer of 500 or more, what the hostile requests answered, and the
server's peak RSS. Targets (issue 25): search p95 during any single hostile input at most
2× idle, no answer ≥ 500, peak RSS at most idle + 150 MB.
"""

from __future__ import annotations

import random
import socket
import threading
import zlib
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlparse

from eval.loadtest import LoadReport, run_load
from eval.mixed import PeakRss, flate_bomb, one_page_pdf, pdf_file, rss_line
from eval.servers import percentile

P95_FACTOR, RSS_HEADROOM_MB = 2.0, 150  # the targets
LONG_QUERY = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2000))
SLOW_CONNECTIONS = 100
BOMB_PAGES = 120


def one_paragraph(words: int = 12_000, seed: int = 0) -> bytes:
    """A report of one paragraph without a full stop (the chunker must still cut it)."""
    rng = random.Random(seed)
    vocabulary = "kommunen budget skola ekonomi omsorg personal".split()
    return ("Rubrik\n\n" + " ".join(rng.choice(vocabulary) for _ in range(words))).encode()


def image_pages_pdf(pages: int) -> bytes:
    """A PDF of `pages` pages, each only one white page image (no text layer): every page
    goes to OCR."""
    width, height = 850, 1100
    image = zlib.compress(b"\xff" * (width * height), 9)
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(image))
        + image
        + b"\nendstream",
    ]
    content = zlib.compress(b"q 595 0 0 842 0 0 cm /Im1 Do Q")
    content_ref = 4 + pages
    for _ in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /XObject << /Im1 3 0 R >> >> >>" % content_ref
        )
    objects.append(
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"
    )
    return pdf_file(objects)


@dataclass
class HostileReport:
    """Idle and hostile load, what the hostile requests answered, and the server's memory."""

    idle: LoadReport
    phases: dict[str, LoadReport]
    answers: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # answers ≥ 500, connection failures
    idle_rss_mb: float = 0.0
    peak_rss_mb: float = 0.0

    def p95_ratio(self, phase: str) -> float:
        idle, busy = self.idle.latencies["/search"], self.phases[phase].latencies["/search"]
        return percentile(busy, 95) / percentile(idle, 95) if idle and busy else 0.0

    @property
    def failures(self) -> list[str]:
        return [f for r in (self.idle, *self.phases.values()) for f in r.failures] + self.errors

    @property
    def ok(self) -> bool:
        rss_ok = not self.peak_rss_mb or self.peak_rss_mb <= self.idle_rss_mb + RSS_HEADROOM_MB
        fast = all(self.p95_ratio(p) <= P95_FACTOR for p in self.phases)
        return not self.failures and fast and rss_ok

    def lines(self) -> list[str]:
        """The report as printed by `rapportsok loadtest --hostile`."""
        idle = self.idle.latencies["/search"]
        out = [
            f"search idle                  {len(idle):5d} requests  p50 "
            f"{percentile(idle, 50):7.1f} ms  p95 {percentile(idle, 95):7.1f} ms"
        ]
        for phase, report in self.phases.items():
            busy = report.latencies["/search"]
            out.append(
                f"search during {phase:<15}{len(busy):5d} requests  p50 "
                f"{percentile(busy, 50):7.1f} ms  p95 {percentile(busy, 95):7.1f} ms  "
                f"({self.p95_ratio(phase):.2f}× idle p95, target ≤ {P95_FACTOR:g}×)"
            )
        out += [
            f"errors: {len(self.failures) - len(self.errors)} searches or answers failed, "
            f"{len(self.errors)} hostile requests answered ≥ 500 or failed",
            "hostile: " + ", ".join(f"{k} {n}" for k, n in sorted(self.answers.items())),
        ]
        if self.peak_rss_mb:
            out.append(rss_line(self.idle_rss_mb, self.peak_rss_mb, RSS_HEADROOM_MB))
        return out + [f"failed: {f}" for f in self.failures[:10]]


class _Hostile:
    """The hostile requests, each kind on its own thread until `stop`."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url, self.api_key = url, api_key
        self.stop = threading.Event()
        self.answers: Counter[str] = Counter()
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def _note(self, what: str, status: int | None, detail: str = "") -> None:
        with self._lock:
            self.answers[f"{what} {status if status is not None else 'failed'}"] += 1
            if status is None or status >= 500:
                self.errors.append(f"{what}: {status} {detail}"[:200])

    def long_queries(self) -> None:
        import httpx

        with httpx.Client(base_url=self.url, timeout=60) as http:
            while not self.stop.is_set():
                try:
                    r = http.post("/search", json={"query": LONG_QUERY, "k": 10})
                    self._note("long query", r.status_code, r.text)
                except httpx.HTTPError as exc:
                    self._note("long query", None, str(exc))

    def slow_connections(self) -> None:
        host = urlparse(self.url)
        while not self.stop.is_set():
            socks = []
            for _ in range(SLOW_CONNECTIONS):
                try:
                    s = socket.create_connection((host.hostname, host.port or 80), timeout=5)
                    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finished
                    socks.append(s)
                except OSError as exc:
                    self._note("slow connection", None, str(exc))
                    break
            self.answers["slow connections opened"] += len(socks)
            self.stop.wait(15)  # past the header deadline: the server has closed them
            for s in socks:
                s.close()

    def uploads(self) -> None:
        import httpx

        files = [
            ("hostile-paragraph.txt", one_paragraph()),
            ("hostile-ocr-bomb.pdf", image_pages_pdf(BOMB_PAGES)),
            ("hostile-flate-bomb.pdf", one_page_pdf(flate_bomb(3 * 1024))),
        ]
        auth = {"Authorization": f"Bearer {self.api_key}"}
        with httpx.Client(base_url=self.url, timeout=900, headers=auth) as http:
            for name, data in files:
                if self.stop.is_set():
                    break
                try:
                    r = http.post("/documents", files={"file": (name, data)})
                    self._note(f"upload {name}", r.status_code, r.text)
                    if r.status_code == 201:
                        http.delete(f"/documents/{r.json()['document_id']}")
                except httpx.HTTPError as exc:
                    self._note(f"upload {name}", None, str(exc))


def run_hostile(
    url: str, api_key: str, *, clients: int = 8, seconds: float = 30.0, pid: int | None = None
) -> HostileReport:
    """Idle load for `seconds`, then the same load during each hostile input (see above)."""
    idle = run_load(url, clients=clients, seconds=seconds)
    hostile = _Hostile(url, api_key)
    phases: dict[str, LoadReport] = {}
    with PeakRss(pid) as rss:
        for phase, jobs in (
            ("long queries", [hostile.long_queries, hostile.long_queries]),
            ("slow clients", [hostile.slow_connections]),
            ("uploads", [hostile.uploads]),
        ):
            hostile.stop.clear()
            threads = [threading.Thread(target=job, daemon=True) for job in jobs]
            for th in threads:
                th.start()
            try:
                phases[phase] = run_load(url, clients=clients, seconds=seconds)
            finally:
                hostile.stop.set()
                for th in threads:
                    th.join(timeout=900)
    return HostileReport(idle, phases, hostile.answers, hostile.errors, rss.start, rss.peak)

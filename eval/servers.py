"""Servers for the tools: a free loopback port, waiting until a server is healthy, stopping
it, and the percentile the benchmarks report."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

LOOPBACK = {"127.0.0.1", "localhost", "::1"}  # the only hosts the tools send load to


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    """The `p`-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def wait_healthy(url: str, proc: subprocess.Popen[bytes] | None, timeout: float = 120) -> None:
    """Wait until `url`/health answers 200; fail early when `proc` exits or the server has
    no index (503)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            r = httpx.get(f"{url}/health", timeout=2)
            if r.status_code == 200:
                return
            if r.status_code == 503:
                raise RuntimeError(r.json().get("detail", "no index"))
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"no healthy server at {url} after {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate a server started with `subprocess.Popen` (kill it after 10 s)."""
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def serve_command(index: Path, port: int, corpus: Path | None = None) -> list[str]:
    """`rapportsok serve` of `index` on 127.0.0.1:`port` with this Python (uploads go to
    `corpus` when given)."""
    cmd = [sys.executable, "-m", "rapportsok", "serve", "--index", str(index)]
    if corpus is not None:
        cmd += ["--corpus", str(corpus)]
    return [*cmd, "--host", "127.0.0.1", "--port", str(port)]

"""Starting and stopping the processes behind `rapportsok ui` and `rapportsok run`.

Both refuse to start when a port is taken (a UI that starts anyway would talk to whatever
holds the API's port), print the addresses they really use, and stop every process they
started when they are stopped themselves, by Ctrl-C (SIGINT) or by SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

APP = Path(__file__).with_name("app.py")
API_START_SECONDS = 300.0  # loading the model and a large index on a busy 2-core machine


class PortTaken(ValueError):
    """A port this command needs is already in use (a ValueError: the CLI prints it)."""


def connect_host(host: str) -> str:
    """The address to reach a server bound to `host` (0.0.0.0 and :: mean this machine)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now. SO_REUSEADDR as servers set it, so a
    port left in TIME_WAIT by a stopped server counts as free, a listening one does not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def check_port(host: str, port: int, what: str, option: str) -> None:
    """Raise `PortTaken` naming the port, what needed it and how to choose another."""
    if not 1 <= port <= 65535:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    if not port_free(host, port):
        raise PortTaken(
            f"port {port} on {host} is already in use, so the {what} cannot start there: "
            f"stop the program that holds it (an earlier `rapportsok ui`, `serve` or "
            f"`make run`?) or choose another port with {option}"
        )


def streamlit_command(port: int, host: str, max_upload_mb: int) -> list[str]:
    """The `streamlit run` command line for the UI on host:port; its file picker takes up to
    `max_upload_mb` (RAPPORTSOK_MAX_UPLOAD_MB: Streamlit counts 1024 × 1024 bytes too)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--server.maxUploadSize",
        str(max_upload_mb),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def api_command(host: str, port: int) -> list[str]:
    """`rapportsok serve` on host:port, run with this Python."""
    return [sys.executable, "-m", "rapportsok.cli", "serve", "--host", host, "--port", str(port)]


class StartFailed(ValueError):
    """The API exited or never listened (a ValueError: the CLI prints it as one line)."""


def wait_for_port(proc: subprocess.Popen[bytes], host: str, port: int, seconds: float) -> None:
    """Return once something listens on host:port; raise if `proc` exits or it takes long."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            raise StartFailed(f"the API stopped before it was ready (exit {code}); see above")
        try:
            with socket.create_connection((connect_host(host), port), timeout=1):
                return
        except OSError:
            time.sleep(0.25)
    raise StartFailed(f"the API did not listen on port {port} within {seconds:.0f} s")


def stop_all(procs: Sequence[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    """SIGTERM every running process, then SIGKILL those still running after `grace`."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Stopped(Exception):
    """SIGTERM arrived: unwind and stop the children."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Stopped


def supervise(procs: list[subprocess.Popen[bytes]]) -> int:
    """Wait until one process ends, Ctrl-C or SIGTERM; then stop all of them. Returns the
    exit status of the first to end (0 when stopped by a signal)."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        while True:
            for p in procs:
                code = p.poll()
                if code is not None:
                    return code
            time.sleep(0.2)
    except (KeyboardInterrupt, Stopped):
        return 0
    finally:
        stop_all(procs)
        signal.signal(signal.SIGTERM, previous)


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a child in this process's group (Ctrl-C in the terminal reaches it too)."""
    return subprocess.Popen(cmd, env={**os.environ, **env})

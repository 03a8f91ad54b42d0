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
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

APP = Path(__file__).with_name("app.py")
API_START_SECONDS = 300.0  # loading the model and a large index on a busy 2-core machine
TAIL_LINES = 15  # of a child's output, shown when it ends on its own


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


@dataclass
class Child:
    """A started process, what it is to a person ("the API") and its last output lines
    (its output still goes to the terminal, as it comes)."""

    name: str
    proc: subprocess.Popen[bytes]
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    copier: threading.Thread | None = None

    def last_lines(self) -> list[str]:
        """The last lines it wrote (waits a moment for the copier to read the rest)."""
        if self.copier is not None:
            self.copier.join(timeout=2)
        return list(self.tail)


def exit_status(code: int) -> str:
    """'exit status 1', or for a process killed by a signal 'signal SIGKILL (exit -9)'."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name} (exit {code})"
        except ValueError:
            return f"signal {-code} (exit {code})"
    return f"exit status {code}"


def ended_message(child: Child, code: int, others: Sequence[Child]) -> str:
    """What `rapportsok run` says when one of its processes ends on its own: which, with
    what exit status, its last lines, and that the others are stopped with it."""
    pid = child.proc.pid
    lines = [f"rapportsok: {child.name} (pid {pid}) ended with {exit_status(code)}"]
    tail = child.last_lines()
    if tail:
        lines.append(f"Its last {len(tail)} lines of output:")
        lines += [f"  | {line}" for line in tail]
    else:
        lines.append("It wrote no output.")
    if others:
        lines.append("Stopping " + " and ".join(o.name for o in others) + " too.")
    return "\n".join(lines)


def supervise(children: list[Child]) -> int:
    """Wait until one process ends, Ctrl-C or SIGTERM; then stop all of them. A process
    that ends on its own is named on stderr with its exit status and last lines. Returns
    the exit status of the first to end (0 when stopped by a signal)."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    procs = [c.proc for c in children]
    try:
        while True:
            for c in children:
                code = c.proc.poll()
                if code is not None:
                    others = [o for o in children if o is not c and o.proc.poll() is None]
                    print(ended_message(c, code, others), file=sys.stderr, flush=True)
                    return code
            time.sleep(0.2)
    except (KeyboardInterrupt, Stopped):
        return 0
    finally:
        stop_all(procs)
        signal.signal(signal.SIGTERM, previous)


def _copy(stream: object, tail: deque[str]) -> None:
    """Pass a child's output on to ours line by line, keeping the last lines."""
    out = getattr(sys.stdout, "buffer", None)
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        try:
            if out is not None:
                out.write(raw)
                out.flush()
            else:
                print(raw.decode("utf-8", "replace"), end="", flush=True)
        except (OSError, ValueError):  # our stdout closed: keep reading the tail
            pass
        tail.append(raw.decode("utf-8", "replace").rstrip())


def start(cmd: list[str], env: dict[str, str], name: str = "the process") -> Child:
    """Start a child in this process's group (Ctrl-C in the terminal reaches it too); its
    output goes on to ours through a pipe, so its last lines can be shown when it ends."""
    proc = subprocess.Popen(
        cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    child = Child(name, proc)
    child.copier = threading.Thread(target=_copy, args=(proc.stdout, child.tail), daemon=True)
    child.copier.start()
    return child

"""`rapportsok ui` / `run`: the API address follows RAPPORTSOK_PORT, a taken port stops the
start with a clear message, and SIGTERM stops every process that was started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers import free_port

from rapportsok.cli import main
from rapportsok.settings import get_settings
from ui import cli
from ui.launch import port_free

ROOT = Path(__file__).resolve().parents[2]


def test_ui_follows_the_api_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAPPORTSOK_API_URL", raising=False)
    monkeypatch.setenv("RAPPORTSOK_PORT", "8123")
    monkeypatch.setenv("RAPPORTSOK_HOST", "0.0.0.0")
    get_settings.cache_clear()
    try:
        assert cli._api_url(None) == "http://127.0.0.1:8123"
        monkeypatch.setenv("RAPPORTSOK_API_URL", "http://api.internal:9000")
        get_settings.cache_clear()
        assert cli._api_url(None) == "http://api.internal:9000"
        assert cli._api_url("http://h:1") == "http://h:1"
    finally:
        get_settings.cache_clear()


def test_a_taken_port_stops_the_start_and_says_which(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert not port_free("127.0.0.1", port)
        assert main(["ui", "--port", str(port), "--host", "127.0.0.1"]) == 1
        err = capsys.readouterr().err
        assert err == (
            f"rapportsok: error: port {port} on 127.0.0.1 is already in use, so the web UI "
            "cannot start there: stop the program that holds it (an earlier `rapportsok ui`, "
            "`serve` or `make run`?) or choose another port with --port or RAPPORTSOK_UI_PORT\n"
        )
        assert main(["run", "--api-port", str(port), "--port", str(free_port())]) == 1
        assert "so the API cannot start there" in capsys.readouterr().err
    assert port_free("127.0.0.1", port)


@pytest.mark.slow  # a real Streamlit server
def test_sigterm_stops_the_streamlit_child(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        "RAPPORTSOK_API_URL": f"http://127.0.0.1:{free_port()}",
    }
    log = (tmp_path / "ui.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rapportsok.cli", "ui", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).is_success:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail((tmp_path / "ui.log").read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        # The Streamlit child is gone with it: nothing listens on the port any more.
        assert port_free("127.0.0.1", port)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_process_that_ends_is_named_with_its_status_and_last_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ui.launch import start, supervise

    script = "import sys\nfor i in range(30): print(f'line {i}')\nsys.exit(3)"
    api = start([sys.executable, "-c", script], {}, "the API (rapportsok serve)")
    ui = start([sys.executable, "-c", "import time; time.sleep(60)"], {}, "the web UI")
    assert supervise([api, ui]) == 3
    assert ui.proc.poll() is not None  # stopped with it
    err = capsys.readouterr().err
    assert err == (
        f"rapportsok: the API (rapportsok serve) (pid {api.proc.pid}) ended with exit status 3\n"
        "Its last 15 lines of output:\n"
        + "".join(f"  | line {i}\n" for i in range(15, 30))
        + "Stopping the web UI too.\n"
    )


def test_exit_status_of_a_killed_process_names_the_signal() -> None:
    from ui.launch import exit_status

    assert exit_status(1) == "exit status 1"
    assert exit_status(-9) == "signal SIGKILL (exit -9)"

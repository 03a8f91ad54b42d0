"""Fixtures of the UI tests: the real API and the real Streamlit server, each in its own
process on a free loopback port, started once per session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from helpers import free_port

from rapportsok.settings import Settings
from ui.launch import streamlit_command

ROOT = Path(__file__).resolve().parents[2]


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path, seconds: float) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it dies or is slow."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"{url} did not answer in {seconds:.0f} s:\n{log.read_text()[-3000:]}")


@contextmanager
def _server(
    cmd: list[str], env: dict[str, str], health: str, log: Path, seconds: float
) -> Iterator[None]:
    """Run `cmd` from the project root until the block ends; ready once `health` is 200."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, **env, "PYTHONPATH": path}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(proc, health, log, seconds)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def api_url(corpus_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the real API (uvicorn) serving the corpus index."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("api") / "api.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "service.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with _server(cmd, {"RAPPORTSOK_INDEX_DIR": str(corpus_index)}, f"{url}/health", log, 90):
        yield url


@pytest.fixture(scope="session")
def ui_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The UI server's data folder: its feedback database is `ui_data / feedback.sqlite3`
    (never the project's own data/)."""
    return tmp_path_factory.mktemp("ui-data")


@pytest.fixture(scope="session")
def ui_url(api_url: str, ui_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the real Streamlit server running ui/app.py against the real API."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("ui") / "streamlit.log"
    # The launcher's own command line, without file watching (a test server never reloads).
    cmd = [
        *streamlit_command(port, "127.0.0.1", Settings().max_upload_mb),
        "--server.fileWatcherType",
        "none",
    ]
    env = {"RAPPORTSOK_API_URL": api_url, "RAPPORTSOK_INDEX_DIR": str(ui_data / "index")}
    with _server(cmd, env, f"{url}/_stcore/health", log, 60):
        yield url

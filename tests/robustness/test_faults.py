"""Faults: the indexer killed with SIGKILL at several points, a damaged index at start-up,
and a report that makes the parser throw."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.store import index as store
from indexer.store.index import load_index

ROOT = Path(__file__).resolve().parents[2]

ECONOMY = """# Sundsviks kommun delårsrapport 2022

## Ekonomi

Nämnden redovisar ett överskott på 3,1 miljoner kronor för perioden januari–augusti.

## Medarbetare

Sjukfrånvaron bland medarbetarna var 4,2 procent, lägre än året innan.
"""
CULTURE = """Kultur och fritid

Biblioteket i Sundsbruk har fått utökade öppettider under hösten.

Fritidsgårdarna har haft fler besökare än tidigare år.
"""
# The change the killed runs try to index: a new report of a few passages.
NEW_REPORT = "# Miljö och bygg\n\n" + "\n\n".join(
    f"## Tillsyn {i}\n\nMiljökontoret genomförde {i * 7} tillsynsbesök på lantbruk och "
    f"förskolor under kvartal {i % 4 + 1}, och handläggningstiden för bygglov var {i + 3} "
    "veckor i genomsnitt."
    for i in range(1, 13)
)

# Runs the real CLI; optionally stalls at one step (for a kill that lands exactly there).
_LAUNCHER = """
import os, sys, time
from pathlib import Path
point, out = sys.argv[1], Path(sys.argv[sys.argv.index("--out") + 1])
def stall():
    print("STALLED", flush=True)
    time.sleep(600)
if point == "written":  # every file of the new version written, not yet published
    import indexer.build
    indexer.build.publish = lambda path, built: stall()
elif point == "renamed":  # version folder renamed into place, symlink not yet swapped
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if Path(dst) == out:
            stall()
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
from rapportsok.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def indexed(tmp_path: Path, encoder) -> tuple[Path, Path]:
    """A two-report corpus, indexed; then a third report is added (not yet indexed)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sundsvik-delarsrapport-2022.md").write_text(ECONOMY, encoding="utf-8")
    (corpus / "sundsvik-kultur-2022.txt").write_text(CULTURE, encoding="utf-8")
    out = tmp_path / "data" / "index"
    build_index(corpus, out, encoder)
    (corpus / "sundsvik-miljo-2022.md").write_text(NEW_REPORT, encoding="utf-8")
    return corpus, out


def _index_cmd(point: str, corpus: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", _LAUNCHER, point, "index", str(corpus), "--out", str(out)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def _kill_when(proc: subprocess.Popen[bytes], stream, marker: bytes, seconds: float) -> None:
    """SIGKILL `proc` as soon as `marker` appears on `stream` (stdout or stderr)."""
    seen = bytearray()
    found = threading.Event()

    def read() -> None:
        while chunk := os.read(stream.fileno(), 4096):
            seen.extend(chunk)
            if marker in seen:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    ok = found.wait(seconds)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert ok, f"{marker!r} never appeared: {bytes(seen)[-2000:]!r}"
    assert alive, "the indexer had already finished before the kill"


def _snapshot(out: Path) -> tuple[dict, str]:
    idx = load_index(out)
    return idx.manifest.sources, (out / store.CHUNKS).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("point", "stream", "marker"),
    [
        ("embedding", "stderr", b"Embedding"),  # the progress bar of the real, unpatched CLI
        ("written", "stdout", b"STALLED"),
        ("renamed", "stdout", b"STALLED"),
    ],
)
def test_sigkill_leaves_the_previous_index_and_the_next_run_completes(
    indexed: tuple[Path, Path], point: str, stream: str, marker: bytes
) -> None:
    corpus, out = indexed
    before = _snapshot(out)
    proc = subprocess.Popen(
        _index_cmd(point, corpus, out),
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _kill_when(proc, proc.stdout if stream == "stdout" else proc.stderr, marker, 120)
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(out) == before  # the killed run changed nothing that is served
    if point == "written":
        assert list(out.parent.glob("index.v*.tmp"))  # its unpublished version is there
    if point == "renamed":
        assert len([d for d in out.parent.glob("index.v*") if d.is_dir()]) == 2

    done = subprocess.run(
        _index_cmd("none", corpus, out) + ["--quiet"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "added: sundsvik-miljo-2022" in done.stdout
    idx = load_index(out)
    assert set(idx.manifest.sources) == {*before[0], "sundsvik-miljo-2022.md"}
    # Leftovers of the killed run are gone: one version folder, the published one.
    versions = [d for d in out.parent.iterdir() if d.name.startswith("index.v")]
    assert versions == [out.resolve()]
    assert not list(out.parent.glob(".index.link-*"))


@pytest.mark.parametrize("damage", ["truncated-chunks", "truncated-vectors", "no-manifest"])
def test_serve_refuses_a_damaged_index_with_one_clear_line(
    corpus_index: Path, tmp_path: Path, damage: str
) -> None:
    from helpers import free_port

    broken = tmp_path / "index"
    shutil.copytree(corpus_index, broken)
    if damage == "truncated-chunks":
        lines = (broken / store.CHUNKS).read_text(encoding="utf-8").splitlines(keepends=True)
        (broken / store.CHUNKS).write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    elif damage == "truncated-vectors":
        data = (broken / store.VECTORS).read_bytes()
        (broken / store.VECTORS).write_bytes(data[: len(data) // 2])
    else:  # a half-written version folder: the manifest is written last
        (broken / store.MANIFEST).unlink()
    port = free_port()
    r = subprocess.run(
        [sys.executable, "-m", "rapportsok", "serve", "--index", str(broken), "--port", str(port)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("rapportsok: error: index at ")
    assert str(broken) in lines[0] and "rapportsok index" in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert "Rapportsök API on" not in r.stdout  # it never started serving


def test_app_does_not_start_on_a_damaged_index(corpus_index: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from rapportsok.settings import Settings
    from service.app import create_app

    broken = tmp_path / "index"
    shutil.copytree(corpus_index, broken)
    (broken / store.FAISS_FILE).unlink()
    app = create_app(Settings(index_dir=broken, corpus_dir=tmp_path))
    with pytest.raises(store.IndexCorrupt, match=f"{broken} lacks dense.faiss.*rapportsok index"):
        with TestClient(app):
            pass


def test_a_report_that_makes_the_parser_throw_is_skipped_with_its_reason(
    tmp_path: Path, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.reading.chunker

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sundsvik-delarsrapport-2022.md").write_text(ECONOMY, encoding="utf-8")
    (corpus / "sundsvik-kultur-2022.txt").write_text(CULTURE, encoding="utf-8")
    (corpus / "trasig.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF x")
    (corpus / "parserfel.txt").write_text("Rubrik\n\nText som får parsern att krascha.\n")
    real = indexer.reading.chunker.chunk_document

    def chunk(doc, source, cfg=None, secs=None):
        if doc.id == "parserfel":
            raise RuntimeError("a bug in the chunker")
        return real(doc, source, cfg, secs)

    monkeypatch.setattr(indexer.reading.chunker, "chunk_document", chunk)
    report = build_index(corpus, tmp_path / "index", encoder)
    skipped = dict(report.skipped)
    assert skipped["parserfel.txt"] == "could not be parsed (RuntimeError: a bug in the chunker)"
    assert "corrupt or truncated PDF" in skipped["trasig.pdf"]
    assert sorted(report.added) == ["sundsvik-delarsrapport-2022", "sundsvik-kultur-2022"]
    assert set(load_index(tmp_path / "index").documents) == set(report.added)

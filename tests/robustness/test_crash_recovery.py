"""A real `rapportsok serve` killed with SIGKILL at several points of an upload and of a
removal, then started again: the corpus folder, the catalogue and the index agree, the
report is fully in or fully out, nothing temporary is left, and "duplicate" is said only
of an indexed report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from writable import API_KEY, UPLOAD_TEXT, auth, copy_index

from eval.servers import free_port, wait_healthy
from indexer.reading.metadata import CATALOGUE_NAME
from indexer.store.index import read_manifest

ROOT = Path(__file__).resolve().parents[2]
TIMRA = "timra-kommunstyrelsen-delarsrapport-2021.txt"
NEW = "sundsvik-kultur-2022.md"

# `rapportsok serve`, optionally stalling at one point of a write so that a kill lands there.
_LAUNCHER = """
import os, sys, time
point = sys.argv[1]
def stall(*args, **kwargs):
    print("STALLED", flush=True)
    time.sleep(600)
if point == "writing":  # the upload's temporary file half written
    import tempfile
    real_mkstemp = tempfile.mkstemp
    def mkstemp(*args, **kwargs):
        fd, path = real_mkstemp(*args, **kwargs)
        if kwargs.get("prefix") == ".upload-":
            os.write(fd, b"half a report")
            stall()
        return fd, path
    tempfile.mkstemp = mkstemp
elif point == "changed":  # file stored (or moved aside), catalogue written, no build yet
    import service.updates
    service.updates.IndexUpdater._rebuild = lambda self, *a, **k: stall()
elif point == "embedding":  # the build is embedding the new passages
    import indexer.build
    indexer.build._embed = stall
elif point == "publishing":  # the new segment (or tombstone) written, the manifest not yet
    import indexer.update
    indexer.update.publish_manifest = stall
elif point == "published":  # the new manifest is published, the change not yet completed
    import indexer.update
    real_publish = indexer.update.publish_manifest
    def publish(path, manifest):
        real_publish(path, manifest)
        stall()
    indexer.update.publish_manifest = publish
from rapportsok.cli import main
sys.exit(main(sys.argv[2:]))
"""


@contextmanager
def _serve(point: str, corpus: Path, index: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAPPORTSOK_API_KEY": API_KEY}
    cmd = [sys.executable, "-c", _LAUNCHER, point, "serve", "--index", str(index)]
    proc = subprocess.Popen(
        [*cmd, "--corpus", str(corpus), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)


@contextmanager
def _restart(corpus: Path, index: Path, encoder) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The service started again on the same folders (in this process, with the session's
    encoder, to save loading the model twice): its start-up reconciles the journal."""
    from helpers import LiveServer

    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from rapportsok.settings import Settings
    from search.retrieval import Searcher
    from service.app import create_app

    settings = Settings(corpus_dir=corpus, index_dir=index, api_key=API_KEY)
    searcher = Searcher(load_index(index, encoder.name), encoder, get_analyzer())
    with LiveServer(create_app(settings, searcher=searcher)) as live:
        yield live.url


def _kill_when_stalled(proc: subprocess.Popen, request: threading.Thread) -> None:
    """SIGKILL the server once it prints STALLED (the request is then in flight)."""
    request.start()
    assert proc.stdout is not None
    seen = b""
    while b"STALLED" not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, f"the server exited before the stall point: {seen!r}"
        seen += chunk
    assert proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    request.join(30)


def _state(corpus: Path, index: Path) -> dict[str, object]:
    """What the three stores say, and what is left over."""
    files = sorted(p.name for p in corpus.iterdir() if p.is_file() and not p.name[0] == ".")
    files.remove(CATALOGUE_NAME)
    catalogue = tomllib.loads((corpus / CATALOGUE_NAME).read_text(encoding="utf-8"))["reports"]
    journal = corpus / ".journal"
    return {
        "files": files,
        "indexed": sorted(read_manifest(index).sources),
        "catalogue": sorted(catalogue),
        "hidden": sorted(p.name for p in corpus.iterdir() if p.name[0] == "." and p != journal),
        "journal": sorted(p.name for p in journal.iterdir()) if journal.exists() else [],
    }


@pytest.fixture
def stores(corpus_copy: Path, corpus_index: Path, tmp_path: Path) -> tuple[Path, Path]:
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_copy, corpus)
    return corpus, copy_index(corpus_index, tmp_path / "data")


def _upload(url: str) -> httpx.Response:
    return httpx.post(
        f"{url}/documents",
        files={"file": (NEW, UPLOAD_TEXT.encode())},
        data={"municipality": "Sundsvik", "year": "2022"},
        headers=auth(),
        timeout=300,
    )


@pytest.mark.parametrize(
    ("op", "point", "in_after"),
    [
        ("add", "writing", False),
        ("add", "changed", False),
        ("add", "embedding", False),
        ("add", "publishing", False),
        ("add", "published", True),
        ("remove", "changed", True),
        ("remove", "publishing", True),
        ("remove", "published", False),
    ],
)
def test_sigkill_mid_change_leaves_the_report_fully_in_or_fully_out(
    stores: tuple[Path, Path], encoder, op: str, point: str, in_after: bool
) -> None:
    corpus, index = stores
    name = NEW if op == "add" else TIMRA
    before = _state(corpus, index)
    with _serve(point, corpus, index) as (url, proc):
        if op == "add":
            request = threading.Thread(target=lambda: _expect_cut(lambda: _upload(url)))
        else:
            doc = name.removesuffix(".txt")
            request = threading.Thread(
                target=lambda: _expect_cut(
                    lambda: httpx.delete(f"{url}/documents/{doc}", headers=auth(), timeout=300)
                )
            )
        _kill_when_stalled(proc, request)

    with _restart(corpus, index, encoder) as url:
        after = _state(corpus, index)
        assert after["hidden"] == [] and after["journal"] == []  # no .part, no .removing-
        assert after["files"] == after["indexed"]  # corpus and index agree
        assert set(after["catalogue"]) <= set(after["files"])
        docs = {d["id"] for d in httpx.get(f"{url}/documents").json()}
        assert docs == {Path(f).stem for f in after["files"]}  # what is served agrees too
        expected = sorted({*before["files"], name} if in_after else set(before["files"]) - {name})
        assert after["files"] == expected
        catalogued = name in after["catalogue"]
        assert catalogued == (in_after and (op == "remove" or name == NEW))

        # The report can be changed again as if the killed change had completed or never run.
        if op == "add" and in_after:
            r = _upload(url)
            assert r.status_code == 409
            assert r.json()["detail"].startswith("duplicate of sundsvik-kultur-2022")
        elif op == "add":
            r = _upload(url)
            assert r.status_code == 201, r.text  # not "duplicate": it was never indexed
            assert r.json()["embedded"] == r.json()["chunks"] == 2  # only its own passages
        elif in_after:
            doc = name.removesuffix(".txt")
            assert httpx.delete(f"{url}/documents/{doc}", headers=auth()).status_code == 200
        else:
            r = httpx.delete(f"{url}/documents/{name.removesuffix('.txt')}", headers=auth())
            assert r.status_code == 404
        final = _state(corpus, index)
        assert final["files"] == final["indexed"] and final["journal"] == []


def _expect_cut(send) -> None:  # type: ignore[no-untyped-def]
    """Send a request that the kill cuts off: no answer ever comes."""
    try:
        r = send()
    except httpx.TransportError:
        return
    raise AssertionError(f"the request was answered before the kill: {r.status_code} {r.text}")


def test_a_failed_rebuild_puts_a_removed_report_back(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path
) -> None:
    from writable import writable_server

    from indexer.store.index import build_lock

    with writable_server(corpus_copy, corpus_index, tmp_path, base_searcher) as w:
        doc = TIMRA.removesuffix(".txt")
        catalogue = (w.corpus / CATALOGUE_NAME).read_bytes()
        with build_lock(w.index):  # another build (`rapportsok index`) holds the index
            r = httpx.delete(f"{w.url}/documents/{doc}", headers=auth())
            assert r.status_code == 409, r.text
            r2 = httpx.post(
                f"{w.url}/documents", files={"file": (NEW, UPLOAD_TEXT.encode())}, headers=auth()
            )
            assert r2.status_code == 409, r2.text
        assert (w.corpus / TIMRA).is_file()  # put back, with its catalogue entry
        assert (w.corpus / CATALOGUE_NAME).read_bytes() == catalogue
        assert not (w.corpus / NEW).exists()
        state = _state(w.corpus, w.index)
        assert state["files"] == state["indexed"] and state["hidden"] == state["journal"] == []
        assert httpx.get(f"{w.url}/documents/{doc}").status_code == 200
        assert httpx.delete(f"{w.url}/documents/{doc}", headers=auth()).status_code == 200
        assert not (w.corpus / TIMRA).exists()


def test_deleting_an_unknown_id_does_not_wait_for_a_running_change(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path
) -> None:
    import time

    from writable import writable_server

    with writable_server(corpus_copy, corpus_index, tmp_path, base_searcher) as w:
        updater = w.app.state.updater
        assert updater._lock.acquire(timeout=5)  # a long upload holds the lock
        try:
            t0 = time.perf_counter()
            for i in range(20):
                r = httpx.delete(f"{w.url}/documents/finns-inte-{i}", headers=auth(), timeout=5)
                assert r.status_code == 404
            assert time.perf_counter() - t0 < 5
            assert httpx.post(f"{w.url}/search", json={"query": "ekonomi"}).status_code == 200
        finally:
            updater._lock.release()

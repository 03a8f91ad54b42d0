"""Writes off the request threads: one writer runs every change in order; a change not done
within the wait answers 202 with a job that GET /jobs/{id} reports on; while a long change
runs, queued DELETEs hold no web thread and searches and /health keep answering."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from writable import UPLOAD_TEXT, Writable, auth, writable_server

TIMRA = "timra-kommunstyrelsen-delarsrapport-2021"


def _poll(w: Writable, status_url: str) -> dict:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = httpx.get(f"{w.url}{status_url}", headers=auth()).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"the job at {status_url} did not finish")


def test_a_change_not_done_within_the_wait_is_a_202_job(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path
) -> None:
    with writable_server(
        corpus_copy, corpus_index, tmp_path, base_searcher, upload_wait_seconds=0
    ) as w:
        r = httpx.post(
            f"{w.url}/documents",
            files={"file": ("Sundsvik jobb.md", UPLOAD_TEXT.encode())},
            headers=auth(),
        )
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["action"] == "added" and body["filename"] == "Sundsvik jobb.md"
        assert body["state"] in ("queued", "running")
        assert body["status_url"] == f"/jobs/{body['id']}"
        job = _poll(w, body["status_url"])
        assert job["state"] == "done" and job["error"] is None
        assert job["result"]["document_id"] == "sundsvik-jobb"
        assert job["result"]["documents"] == 5
        assert httpx.get(f"{w.url}/documents/sundsvik-jobb").status_code == 200

        r = httpx.post(
            f"{w.url}/documents", files={"file": ("falsk.pdf", b"bara text")}, headers=auth()
        )
        assert r.status_code == 202
        job = _poll(w, r.json()["status_url"])
        assert job["state"] == "failed" and job["result"] is None
        assert job["error"] == {
            "status": 415,
            "detail": "falsk.pdf is not a PDF (it does not start with %PDF-)",
        }

        r = httpx.delete(f"{w.url}/documents/sundsvik-jobb", headers=auth())
        assert r.status_code == 202
        job = _poll(w, r.json()["status_url"])
        assert job["state"] == "done" and job["result"]["action"] == "removed"
        assert httpx.delete(f"{w.url}/documents/finns-inte", headers=auth()).status_code == 404
        r = httpx.get(f"{w.url}/jobs/finns-inte", headers=auth())
        assert r.status_code == 404
        assert httpx.get(f"{w.url}/jobs/{body['id']}").status_code == 401  # behind the key


def test_queued_deletes_hold_no_web_thread(
    corpus_copy, corpus_index, base_searcher, tmp_path: Path
) -> None:
    with writable_server(
        corpus_copy, corpus_index, tmp_path, base_searcher, upload_wait_seconds=3
    ) as w:
        updater = w.app.state.updater
        assert updater._lock.acquire(timeout=5)  # a long upload holds the index
        answers: list[int] = []
        try:
            # More DELETEs than the thread pool has threads (40), all for a real report.
            threads = [
                threading.Thread(
                    target=lambda: answers.append(
                        httpx.delete(
                            f"{w.url}/documents/{TIMRA}", headers=auth(), timeout=60
                        ).status_code
                    )
                )
                for _ in range(45)
            ]
            for t in threads:
                t.start()
            time.sleep(0.5)
            t0 = time.perf_counter()
            assert httpx.get(f"{w.url}/health", timeout=10).status_code == 200
            r = httpx.post(f"{w.url}/search", json={"query": "ekonomi"}, timeout=10)
            assert r.status_code == 200
            assert time.perf_counter() - t0 < 3  # answered while the 45 wait
            for t in threads:
                t.join(60)
            assert answers == [202] * 45  # not done within the wait: jobs
        finally:
            updater._lock.release()
        docs = {d["id"] for d in httpx.get(f"{w.url}/documents").json()}
        deadline = time.monotonic() + 120
        while TIMRA in docs and time.monotonic() < deadline:
            time.sleep(0.3)
            docs = {d["id"] for d in httpx.get(f"{w.url}/documents").json()}
        assert TIMRA not in docs  # the first job removed it; the other 44 fail with 404
        time.sleep(1)
        states = [j.state for j in w.app.state.writer._jobs.values()]
        assert states.count("done") == 1 and states.count("failed") == 44

"""One writer thread for every corpus change, and the jobs it runs.

Uploads and removals used to wait for the update lock on the web server's thread pool: a
long upload plus a few dozen DELETEs left no thread for /search and /health. Now a change
is a job on one queue, run by one thread in order; the route awaits the job's future on the
event loop (holding no thread) for at most `upload_wait_seconds`, answers as before when it
is done by then, and otherwise answers 202 with the job's id, whose state and result
`GET /jobs/{id}` gives.

A finished job keeps its result or its `Failure` (status and text), never the exception:
its traceback holds the frames of the upload and so the uploaded file's bytes, and the
writer remembers `_KEPT_JOBS` jobs (six refused 45 MB uploads kept +273 MB for good).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from rapportsok.errors import RapportsokError
from service.errors import DISK_FULL, disk_full, status_of
from service.updates import UpdateResult

log = logging.getLogger(__name__)
JobState = Literal["queued", "running", "done", "failed"]
_KEPT_JOBS = 200  # finished jobs remembered for GET /jobs/{id}, the oldest forgotten first


# The detail of an unexpected error (the log has the traceback, under the job's id).
INTERNAL_ERROR = "internal error; the server log has the details"


@dataclass(frozen=True)
class Failure:
    """Why a job failed, as its answer says it: the HTTP status and the error's text."""

    status: int
    detail: str


def failure_of(exc: BaseException) -> Failure:
    """The `Failure` of an error: a full disk 507, a `RapportsokError` its status
    (`service.errors`), anything else a 500 without details."""
    if disk_full(exc):
        return Failure(507, DISK_FULL)
    if isinstance(exc, RapportsokError):
        return Failure(status_of(exc), str(exc))
    return Failure(500, INTERNAL_ERROR)


@dataclass
class Job:
    """A change waiting for, or run by, the writer."""

    id: str
    action: Literal["added", "removed"]
    filename: str
    created: float = field(default_factory=time.time)
    state: JobState = "queued"
    result: UpdateResult | None = None
    error: Failure | None = None
    future: Future[None] = field(default_factory=Future)


class Writer:
    """Runs corpus changes one at a time on its own thread (see the module docstring)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def submit(
        self, action: Literal["added", "removed"], filename: str, change: Callable[[], UpdateResult]
    ) -> Job:
        """Queue `change`; the job's future holds its result or its error."""
        job = Job(id=f"{int(time.time())}-{next(self._ids)}", action=action, filename=filename)

        def run() -> None:
            # The future ends with None either way: an exception set on it would keep the
            # frames of `change` (and an upload's bytes) for as long as the job is kept.
            job.state = "running"
            try:
                job.result = change()
            except BaseException as exc:
                if not isinstance(exc, RapportsokError):
                    # As text: a record with exc_info, kept by a handler, would keep the bytes.
                    trace = "".join(traceback.format_exception(exc))
                    log.error("job %s (%s %s) failed:\n%s", job.id, action, filename, trace)
                job.error, job.state = failure_of(exc), "failed"
                if not isinstance(exc, Exception):
                    raise  # KeyboardInterrupt, SystemExit
                return
            job.state = "done"

        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > _KEPT_JOBS:
                oldest = next(iter(self._jobs.values()))
                if oldest.state in ("queued", "running"):
                    break  # never forget a job that is not finished
                self._jobs.popitem(last=False)
        job.future = self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id, while it is remembered."""
        with self._lock:
            return self._jobs.get(job_id)

    async def wait(self, job: Job, seconds: float) -> bool:
        """Await `job` on the event loop for at most `seconds`; whether it has finished."""
        waiting = asyncio.wrap_future(job.future)
        try:
            await asyncio.wait_for(asyncio.shield(waiting), seconds)
        except TimeoutError:
            # Nobody awaits it any more: take its outcome when it comes, so that asyncio does
            # not log a failed job as "Future exception was never retrieved" (it is on the job).
            waiting.add_done_callback(lambda f: f.cancelled() or f.exception())
            return False
        except Exception:  # only a KeyboardInterrupt or the like: the job has its failure
            pass
        return True

    def shutdown(self) -> None:
        """Stop taking jobs; the running one finishes (its journal keeps it whole anyway)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

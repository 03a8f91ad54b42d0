"""One writer thread for every corpus change, and the jobs it runs.

Uploads and removals used to wait for the update lock on the web server's thread pool: a
long upload plus a few dozen DELETEs left no thread for /search and /health. Now a change
is a job on one queue, run by one thread in order; the route awaits the job's future on the
event loop (holding no thread) for at most `upload_wait_seconds`, answers as before when it
is done by then, and otherwise answers 202 with the job's id, whose state and result
`GET /jobs/{id}` gives.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from service.updates import UpdateResult

JobState = Literal["queued", "running", "done", "failed"]
_KEPT_JOBS = 200  # finished jobs remembered for GET /jobs/{id}, the oldest forgotten first


@dataclass
class Job:
    """A change waiting for, or run by, the writer."""

    id: str
    action: Literal["added", "removed"]
    filename: str
    created: float = field(default_factory=time.time)
    state: JobState = "queued"
    result: UpdateResult | None = None
    error: BaseException | None = None
    future: Future[UpdateResult] = field(default_factory=Future)


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

        def run() -> UpdateResult:
            job.state = "running"
            try:
                job.result = change()
            except BaseException as exc:
                job.error, job.state = exc, "failed"
                raise
            job.state = "done"
            return job.result

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
        except Exception:  # the job failed: its error is on the job
            pass
        return True

    def shutdown(self) -> None:
        """Stop taking jobs; the running one finishes (its journal keeps it whole anyway)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

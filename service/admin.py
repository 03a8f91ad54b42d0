"""Routes that change the reports: upload (`POST /documents`) and removal
(`DELETE /documents/{doc_id}`), both behind the API key and run by the writer
(`service.writer`): done within `RAPPORTSOK_UPLOAD_WAIT_SECONDS` they answer 201 / 200 as
before, else 202 with a job that `GET /jobs/{id}` reports on.

The upload body is parsed here rather than declared as `File`/`Form` parameters, so that the
key is checked before a large body is read (its size is bounded by `service.limits`); its
OpenAPI description is given by hand (`_UPLOAD_BODY`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from service.auth import require_api_key
from service.deps import UpdaterDep, WriterDep
from service.errors import DISK_FULL, disk_full
from service.multipart import NotUtf8, read_form
from service.schemas import DocumentChange, ErrorResponse, JobError, JobInfo
from service.updates import UpdateResult
from service.uploads import METADATA_FIELDS
from service.writer import Job, Writer

router = APIRouter(tags=["admin"], dependencies=[Depends(require_api_key)])

_ERR: dict[str, object] = {"model": ErrorResponse}
_UPLOAD_ERRORS: dict[int | str, dict[str, object]] = {
    202: {"model": JobInfo},
    400: _ERR,
    401: _ERR,
    403: _ERR,
    409: _ERR,
    413: _ERR,
    415: _ERR,
    422: _ERR,
    503: _ERR,
    507: {"model": ErrorResponse, "description": "The disk is full; nothing was changed."},
}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The report: a PDF, .txt or .md file.",
                        },
                        **{
                            k: {"type": "string", "description": f"Optional {k} of the report."}
                            for k in METADATA_FIELDS
                        },
                    },
                }
            }
        },
    },
}


def _change(action: Literal["added", "removed"], r: UpdateResult) -> DocumentChange:
    return DocumentChange(
        action=action,
        document_id=r.document_id,
        filename=r.filename,
        chunks=r.chunks,
        embedded=r.embedded,
        documents=r.documents,
        total_chunks=r.total_chunks,
        seconds=r.seconds,
    )


@router.post(
    "/documents",
    status_code=201,
    response_model=DocumentChange,
    responses=_UPLOAD_ERRORS,
    openapi_extra=_UPLOAD_BODY,
)
async def upload(request: Request, updater: UpdaterDep, writer: WriterDep) -> Any:
    """Add a report (multipart `file`, optional metadata fields) and index it; needs the key."""
    # The body's size is checked as it arrives (`service.limits.BodyLimitMiddleware`): a
    # declared Content-Length over the limit never gets here, a chunked body stops at it.
    limit = updater.max_bytes
    try:
        form = await read_form(request, max_files=1, max_fields=len(METADATA_FIELDS) + 1)
    except HTTPException:
        raise  # the 413 of the body limit
    except NotUtf8 as exc:
        raise HTTPException(422, str(exc)) from exc
    except Exception as exc:  # malformed multipart bodies raise several starlette errors
        if disk_full(exc):  # the body is spooled to a temporary file
            raise HTTPException(507, DISK_FULL) from exc
        raise HTTPException(400, f"could not read the multipart body: {exc}") from exc
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise HTTPException(
                422, "file: field required (send the report as a multipart file field named 'file')"
            )
        data = await file.read(limit + 1)
        metadata = {k: v for k in METADATA_FIELDS if isinstance(v := form.get(k), str)}
        filename = file.filename or ""
    finally:
        await form.close()
    job = writer.submit("added", filename, lambda: updater.add(filename, data, metadata))
    return await _answer(job, writer, updater.settings.upload_wait_seconds)


@router.delete(
    "/documents/{doc_id}",
    response_model=DocumentChange,
    responses={
        202: {"model": JobInfo},
        **{code: _ERR for code in (401, 403, 404, 409, 503)},
        507: _UPLOAD_ERRORS[507],
    },
)
async def delete(doc_id: str, updater: UpdaterDep, writer: WriterDep) -> Any:
    """Remove a report's file and re-index without it; needs the API key."""
    updater.find(doc_id)  # an unknown id is 404 at once, never queued behind other changes
    job = writer.submit("removed", doc_id, lambda: updater.remove(doc_id))
    return await _answer(job, writer, updater.settings.upload_wait_seconds)


@router.get("/jobs/{job_id}", response_model=JobInfo, responses={401: _ERR, 403: _ERR, 404: _ERR})
def job_state(job_id: str, writer: WriterDep) -> JobInfo:
    """The state of an upload or removal that answered 202, and its result when done."""
    job = writer.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job with id {job_id!r} (finished jobs are kept a while)")
    return job_info(job)


async def _answer(job: Job, writer: Writer, wait: float) -> Any:
    """The change's own answer when it finishes within `wait` seconds (awaited on the event
    loop: no web thread waits), else 202 with the job."""
    if not await writer.wait(job, wait):
        return JSONResponse(job_info(job).model_dump(), status_code=202)
    if job.error is not None:  # answered as the error was (see `service.writer.Failure`)
        raise HTTPException(job.error.status, job.error.detail)
    assert job.result is not None
    return _change(job.action, job.result)


def job_info(job: Job) -> JobInfo:
    """A job as `GET /jobs/{id}` and a 202 answer show it."""
    error = None
    if job.error is not None:
        error = JobError(status=job.error.status, detail=job.error.detail)
    return JobInfo(
        id=job.id,
        action=job.action,
        filename=job.filename,
        state=job.state,
        status_url=f"/jobs/{job.id}",
        result=_change(job.action, job.result) if job.result is not None else None,
        error=error,
    )

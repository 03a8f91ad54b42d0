"""Routes that change the reports: upload (`POST /documents`) and removal
(`DELETE /documents/{doc_id}`), both behind the API key.

The upload body is parsed here rather than declared as `File`/`Form` parameters, so that the
key is checked before a large body is read (its size is bounded by `service.limits`); its
OpenAPI description is given by hand (`_UPLOAD_BODY`).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.auth import require_api_key
from service.deps import UpdaterDep
from service.schemas import DocumentChange, ErrorResponse
from service.updates import UpdateResult
from service.uploads import METADATA_FIELDS

router = APIRouter(tags=["admin"], dependencies=[Depends(require_api_key)])

_ERR: dict[str, object] = {"model": ErrorResponse}
_UPLOAD_ERRORS: dict[int | str, dict[str, object]] = {
    400: _ERR,
    401: _ERR,
    403: _ERR,
    409: _ERR,
    413: _ERR,
    415: _ERR,
    422: _ERR,
    503: _ERR,
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
async def upload(request: Request, updater: UpdaterDep) -> DocumentChange:
    """Add a report (multipart `file`, optional metadata fields) and index it; needs the key."""
    # The body's size is checked as it arrives (`service.limits.BodyLimitMiddleware`): a
    # declared Content-Length over the limit never gets here, a chunked body stops at it.
    limit = updater.max_bytes
    try:
        form = await request.form(max_files=1, max_fields=len(METADATA_FIELDS) + 1)
    except HTTPException:
        raise  # the 413 of the body limit
    except Exception as exc:  # malformed multipart bodies raise several starlette errors
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
    result = await run_in_threadpool(updater.add, filename, data, metadata)
    return _change("added", result)


@router.delete(
    "/documents/{doc_id}",
    response_model=DocumentChange,
    responses={401: _ERR, 403: _ERR, 404: _ERR, 409: _ERR, 503: _ERR},
)
def delete(doc_id: str, updater: UpdaterDep) -> DocumentChange:
    """Remove a report's file and re-index without it; needs the API key."""
    return _change("removed", updater.remove(doc_id))

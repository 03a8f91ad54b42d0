"""The FastAPI application: `create_app()` with a lifespan that loads the index and the model
once, a request-id middleware and error handlers that never leak a stack trace."""

from __future__ import annotations

import gc
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rapportsok.errors import RapportsokError
from rapportsok.settings import Settings, get_settings
from search.retrieval import Searcher
from service.deps import Services
from service.errors import error_response, rapportsok_error, validation_error
from service.limits import BodyLimitMiddleware
from service.stores import make_searcher
from service.updates import IndexUpdater
from service.writer import Writer

log = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"^[\w.-]{1,64}$")


def load_services(settings: Settings) -> Services:
    """Load the index, encoder and analyzer. A missing index is kept as `problem` (the API
    answers 503 until one is built or uploaded); a damaged index, or one built with another
    model, raises its `IndexProblem`: the service must not start on half an index."""
    from indexer.embedding.encoders import load_encoder
    from indexer.language.analyzer import get_analyzer
    from indexer.store.index import load_index
    from rapportsok.errors import IndexMissing
    from search.answer import Answerer

    services = Services(settings)
    analyzer = get_analyzer()
    analyzer.analyze("kommunstyrelsens sjukfrånvaro")  # loads the Swedish word lists
    # The word lists are a few million-entry containers that every full garbage collection
    # walked (25 ms, holding the GIL); `release_memory` runs one after each upload or
    # delete. They live as long as the process, so they are frozen out of collections
    # (1 ms), before the index is loaded, whose versions must stay collectable.
    gc.collect()  # 30 ms: what loading left for collection is not frozen with them
    gc.freeze()
    encoder = load_encoder(settings.model)
    try:
        index = load_index(Path(settings.index_dir), encoder.name)
    except IndexMissing as exc:
        log.warning("starting without an index: %s", exc)
        services.problem = str(exc)
        return services
    searcher = make_searcher(settings, index, encoder, analyzer)
    searcher.warm_up()
    services.searcher, services.answerer = searcher, Answerer(searcher)
    return services


def create_app(
    settings: Settings | None = None,
    searcher: Searcher | None = None,
    services: Services | None = None,
) -> FastAPI:
    """The API. With `searcher` (tests) or already loaded `services` (`rapportsok serve`,
    which loads before it starts the server) nothing is loaded at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from threadpoolctl import threadpool_limits

        from search.answer import Answerer

        # A search's matrix products are small (a query against a few hundred rows), and
        # OpenBLAS's threads spin for a while after each one: the query embedding that
        # followed ran its two threads on one free core (500k passages, in-process: embed
        # p95 38 → 22 ms with BLAS on one thread).
        threadpool_limits(1, user_api="blas")

        if services is not None:
            app.state.services = services
        elif searcher is not None:
            searcher.warm_up()
            app.state.services = Services(settings, searcher, Answerer(searcher))
        else:
            app.state.services = load_services(settings)

        def install(new: Searcher) -> None:
            # One reference assignment: a request reads `app.state.services` once (see
            # deps.get_services), so it runs wholly on the old or wholly on the new index.
            app.state.services = Services(settings, new, Answerer(new))

        current = app.state.services.searcher
        if current is not None:
            from indexer.embedding.encoders import serve_queries

            serve_queries(current.encoder)  # an upload embeds in short batches (issue 25)
        app.state.updater = IndexUpdater(
            settings,
            install,
            encoder=current.encoder if current else None,
            analyzer=current.analyzer if current else None,
        )
        # Settle uploads and removals that a crash interrupted before anything is served
        # (it changes the corpus folder only, never the loaded index).
        app.state.updater.reconcile()
        app.state.writer = Writer()
        yield
        app.state.writer.shutdown()

    app = FastAPI(
        title="Rapportsök API",
        description="Semantic search and extractive answers over Swedish municipal reports.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by `add_docs`, from installed files
        redoc_url=None,
    )
    from service.docs import add_docs

    add_docs(app)
    from service.admin import router as admin_router
    from service.auth import require_read_key
    from service.routes import router

    read_deps = [Depends(require_read_key)] if settings.read_key else []
    app.include_router(router, dependencies=read_deps)
    app.include_router(admin_router)
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RapportsokError, rapportsok_error)  # type: ignore[arg-type]
    app.add_middleware(
        BodyLimitMiddleware,
        max_request_kb=settings.max_request_kb,
        max_upload_bytes=settings.max_upload_bytes,
        body_idle_seconds=settings.body_idle_seconds,
        body_seconds=settings.body_seconds,
    )
    app.add_middleware(RequestIdMiddleware)  # added last: the outermost, sees every answer
    return app


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    response = error_response(request, exc.status_code, exc.detail)
    response.headers.update(exc.headers or {})  # e.g. WWW-Authenticate on a 401
    return response


class RequestIdMiddleware:
    """Gives every request an id (X-Request-ID, echoed if the client sent a sane one), tells
    browsers not to guess content types (`nosniff`: an uploaded .txt is never run as HTML or
    script), and turns an unexpected exception into a logged 500 JSON answer without the
    traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if _SAFE_ID.match(sent) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", rid)
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception(
                "unexpected error in request %s (%s %s)",
                rid,
                scope.get("method"),
                scope.get("path"),
            )
            if started:
                raise
            response = JSONResponse(
                {
                    "detail": "internal error; the server log has the details under this "
                    "request id",
                    "request_id": rid,
                },
                status_code=500,
                headers={"X-Request-ID": rid, "X-Content-Type-Options": "nosniff"},
            )
            await response(scope, receive, send)

"""What route handlers need, as `Annotated` dependencies read from `app.state`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from rapportsok.settings import Settings
from search.answer import Answerer
from search.retrieval import Searcher
from service.updates import IndexUpdater
from service.writer import Writer

INDEX_HINT = "run `rapportsok index` to build it, then restart `rapportsok serve`"


@dataclass
class Services:
    """Loaded once at start-up; `problem` says why there is no searcher."""

    settings: Settings
    searcher: Searcher | None = None
    answerer: Answerer | None = None
    problem: str | None = None


def no_index_detail(problem: str | None) -> str:
    """The 503 message: what is wrong and the hint."""
    return f"no index is loaded ({problem or 'not loaded'}); {INDEX_HINT}"


def get_services(request: Request) -> Services:
    """The services of this request, read once: an index update replaces the whole
    `Services` object, and FastAPI caches this per request, so the searcher and answerer of
    one request always come from the same index, even while a new one is swapped in."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_searcher(services: ServicesDep) -> Searcher:
    """The searcher, or 503 with the hint when no index is loaded."""
    if services.searcher is None:
        raise HTTPException(503, no_index_detail(services.problem))
    return services.searcher


def get_answerer(services: ServicesDep) -> Answerer:
    """The answerer, or 503 with the hint when no index is loaded."""
    if services.answerer is None:
        raise HTTPException(503, no_index_detail(services.problem))
    return services.answerer


def get_updater(request: Request) -> IndexUpdater:
    """The one `IndexUpdater` of the app (adds and removes reports)."""
    updater: IndexUpdater = request.app.state.updater
    return updater


def get_writer(request: Request) -> Writer:
    """The one `Writer` of the app (runs uploads and removals in order)."""
    writer: Writer = request.app.state.writer
    return writer


SearcherDep = Annotated[Searcher, Depends(get_searcher)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
UpdaterDep = Annotated[IndexUpdater, Depends(get_updater)]
WriterDep = Annotated[Writer, Depends(get_writer)]

"""What route handlers need, as `Annotated` dependencies read from `app.state`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from indexer.settings import Settings
from service.answer import Answerer
from service.retrieval import Searcher

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
    services: Services = request.app.state.services
    return services


def get_searcher(request: Request) -> Searcher:
    """The searcher, or 503 with the hint when no index is loaded."""
    services = get_services(request)
    if services.searcher is None:
        raise HTTPException(503, no_index_detail(services.problem))
    return services.searcher


def get_answerer(request: Request) -> Answerer:
    """The answerer, or 503 with the hint when no index is loaded."""
    services = get_services(request)
    if services.answerer is None:
        raise HTTPException(503, no_index_detail(services.problem))
    return services.answerer


ServicesDep = Annotated[Services, Depends(get_services)]
SearcherDep = Annotated[Searcher, Depends(get_searcher)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]

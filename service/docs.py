"""The API's interactive docs (Swagger UI at /docs), served from files installed with
Rapportsök (the swagger-ui-bundle package), never from a CDN: an intranet without internet
still gets working docs. ReDoc, which FastAPI loads from a CDN, is switched off."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/docs-static"


def add_docs(app: FastAPI) -> None:
    """Mount Swagger UI's files and the /docs page that loads them (the app is created with
    ``docs_url=None, redoc_url=None``)."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(STATIC, StaticFiles(directory=swagger_ui_path), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – docs",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
        )

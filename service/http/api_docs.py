"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) that work with no internet.

FastAPI's own pages load their scripts and styles from a CDN (and ReDoc its fonts from Google),
so offline they are blank. Here the pages load the same assets from this server: the files of
the pinned ``fastapi-offline`` package (MIT), mounted as static files under ``/docs-assets/``.
Only its files are used, not its ``FastAPI`` subclass.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
SWAGGER_JS = f"{ASSETS_PATH}/swagger-ui-bundle.js"
SWAGGER_CSS = f"{ASSETS_PATH}/swagger-ui.css"
REDOC_JS = f"{ASSETS_PATH}/redoc.standalone.js"
FAVICON = f"{ASSETS_PATH}/favicon.png"


def assets_directory() -> Path:
    """``fastapi_offline/static``, found without importing the package."""
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed; it serves /docs and /redoc")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install_api_docs(app: FastAPI, *, openapi_url: str) -> None:
    """Serve ``/docs``, ``/redoc`` and their assets (not in the OpenAPI document)."""
    title = app.title

    app.mount(ASSETS_PATH, StaticFiles(directory=assets_directory()), name="docs-assets")

    # Plain Starlette routes: pages that take no input and need no caller (every APIRoute of
    # the app is an AuthFirstRoute, which these are not).
    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=SWAGGER_JS,
            swagger_css_url=SWAGGER_CSS,
            swagger_favicon_url=FAVICON,
        )

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=REDOC_JS,
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        )

    app.add_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_route("/redoc", redoc, methods=["GET"], include_in_schema=False)

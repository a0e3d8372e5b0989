"""Mounts the web application on the service: its pages and its static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.web.pages import (
    commission,
    commission_people,
    commission_records,
    investor,
    signing_in,
    startup,
)

STATIC_DIR = Path(__file__).parent / "static"


def mount_web_application(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for pages in (
        signing_in,
        startup,
        investor,
        commission,
        commission_records,
        commission_people,
    ):
        app.include_router(pages.router)

"""Mounts the web application on the service: its pages and its static files."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.web.pages import (
    commission,
    commission_compliance,
    commission_conference,
    commission_imports,
    commission_models,
    commission_people,
    commission_records,
    conference_parties,
    investor,
    investor_deals,
    outcomes,
    signing_in,
    startup,
    webhooks,
)
from service.web.pages.common import PageRefusal, answer_refusal

STATIC_DIR = Path(__file__).parent / "static"
# The pages that take a file (a roster, a deal history): their bodies may be larger.
UPLOAD_PATHS = re.compile(r"^/commission/imports$|^/investor/mandates/[^/]+/deals/import$")


def mount_web_application(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageRefusal, answer_refusal)
    for pages in (
        signing_in,
        startup,
        investor,
        investor_deals,
        commission,
        commission_records,
        commission_models,
        commission_people,
        commission_imports,
        commission_compliance,
        conference_parties,
        commission_conference,
        outcomes,
        webhooks,
    ):
        app.include_router(pages.router)

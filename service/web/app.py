"""Mounts the web application on the service: its pages and its static files."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.http.problems import (
    Forbidden,
    NotFound,
    Unauthorized,
    allowed_methods,
    http_error_problem,
    service_error_problem,
)
from service.i18n.catalogs import translate
from service.i18n.languages import LANGUAGE_COOKIE, chosen_language, negotiate, reading_in
from service.web.pages import (
    commission,
    commission_compliance,
    commission_conference,
    commission_imports,
    commission_models,
    commission_people,
    commission_records,
    commission_requests,
    conference_parties,
    investor,
    investor_deals,
    invitations,
    mandate_forms,
    outcomes,
    signing_in,
    startup,
    team,
    webhooks,
)
from service.web.pages.common import PageRefusal, answer_refusal, message_page, not_found
from service.web.responses import page, redirect, sign_in_location
from service.web.visitors import visitor_outside_a_route

STATIC_DIR = Path(__file__).parent / "static"
# The pages that take a file (a roster, a deal history): their bodies may be larger.
UPLOAD_PATHS = re.compile(r"^/commission/imports$|^/investor/mandates/[^/]+/deals/import$")


# Paths of the API and its documents: a wrong one is answered with a problem document, even
# in a browser.
API_PATHS = re.compile(r"^/(v1|openapi|docs|redoc|static|healthz|readyz)(/|$|\.)")


async def page_or_problem(request: Request, exc: Exception) -> Response:
    """A browser that asks for a page that does not exist (or opens the address a form
    posts to) gets the not-found page in its reader's language; everything else the API's
    problem document."""
    accepts_page = "text/html" in request.headers.get("accept", "")
    if (
        isinstance(exc, StarletteHTTPException)
        and exc.status_code in (404, 405)
        and accepts_page
        and not API_PATHS.match(request.url.path)
    ):
        visitor = await visitor_outside_a_route(request)
        if exc.status_code == 405:
            # The address a form posts to, opened again (a reload, a bookmark, the back
            # button): it exists, so "not found" would mislead.
            refused = message_page(
                request,
                visitor,
                translate("This address only receives a form"),
                translate(
                    "It cannot be opened directly. Go back to the page the form was on and "
                    "send it again if needed."
                ),
                405,
            )
            refused.headers.update(allowed_methods(request, exc))  # Allow: the methods it takes
            return refused
        page = not_found(request, visitor)
        page.status_code = exc.status_code
        return page
    return await http_error_problem(request, exc)


def unexpected_error_page(request: Request, request_id: str | None) -> Response | None:
    """What a person's browser shows after an error nobody expected: a page in their
    language that says nothing more was saved and gives the number to quote (the API's
    callers, and anything not asking for a page, get the problem document)."""
    if API_PATHS.match(request.url.path) or "text/html" not in request.headers.get("accept", ""):
        return None
    language = chosen_language(request.cookies.get(LANGUAGE_COOKIE)) or negotiate(
        request.headers.get("accept-language")
    )
    with reading_in(language):
        # No visitor and no database: whatever failed may be the database itself.
        return page(
            request,
            "message.html",
            {
                "visitor": None,
                "nav": [],
                "heading": translate("Something went wrong on our side"),
                "message": translate(
                    "The page could not be shown, and what it was doing was not saved. Try "
                    "again in a moment; if it keeps happening, tell the commission this "
                    "number: %(request_id)s."
                )
                % {"request_id": request_id or "—"},
            },
            status_code=500,
        )


def _browser_navigation(request: Request) -> bool:
    """A person's browser opening an address (a link followed), not a program calling it."""
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "authorization" not in request.headers
    )


async def sign_in_or_problem(request: Request, exc: Exception) -> Response:
    """A browser that opens an API address without being signed in (a download link on a
    page, after the session ended) is sent to sign in and back; a program gets the 401."""
    if _browser_navigation(request):
        return redirect(request, sign_in_location(request))
    return await service_error_problem(request, exc)


async def page_or_refusal_problem(request: Request, exc: Exception) -> Response:
    """A signed-in browser that opens an API address it may not read, or one of nothing it
    can see (a link passed on from another account), reads a page in its language; a program
    gets the 403 or 404 problem."""
    if not _browser_navigation(request):
        return await service_error_problem(request, exc)
    visitor = await visitor_outside_a_route(request)
    if isinstance(exc, Forbidden):
        return message_page(
            request,
            visitor,
            translate("Not available"),
            translate("This file is not for your account. Your own pages are in the menu above."),
            403,
        )
    return not_found(request, visitor)


def mount_web_application(app: FastAPI) -> None:
    app.state.unexpected_error_page = unexpected_error_page
    # Replaces the API's handler for this one refusal, which it falls back on.
    app.add_exception_handler(Unauthorized, sign_in_or_problem)
    app.add_exception_handler(Forbidden, page_or_refusal_problem)
    app.add_exception_handler(NotFound, page_or_refusal_problem)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageRefusal, answer_refusal)
    # Replaces the API's handler of the same errors (install_error_handlers), which it
    # falls back on.
    app.add_exception_handler(StarletteHTTPException, page_or_problem)
    for pages in (
        signing_in,
        invitations,
        startup,
        investor,
        mandate_forms,
        investor_deals,
        commission,
        commission_requests,
        commission_records,
        commission_models,
        commission_people,
        commission_imports,
        commission_compliance,
        conference_parties,
        commission_conference,
        outcomes,
        team,
        webhooks,
    ):
        app.include_router(pages.router)

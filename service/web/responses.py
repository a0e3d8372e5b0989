"""Pages and redirects, each with the headers every page carries: a Content-Security-Policy
without inline scripts or styles, no framing, no sniffing, no referrer to other sites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.web.csrf import CSRF_FIELD, csrf_token, set_csrf_cookie
from service.web.templating import environment

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # A page shows one person's data: never kept by a shared cache.
    "Cache-Control": "no-store",
}


def _with_page_headers(request: Request, response: Response) -> Response:
    response.headers.update(PAGE_HEADERS)
    set_csrf_cookie(request, response)
    return response


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    values = {
        "request": request,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "path": request.url.path,
        "return_path": return_path(request),
        **(context or {}),
    }
    body = environment().get_template(template).render(values)
    return _with_page_headers(request, HTMLResponse(body, status_code=status_code))


def return_path(request: Request) -> str:
    """Where a control on the page (the language switch) brings the reader back to: this page
    with its query; for a page shown in answer to a form (a POST, which a browser cannot ask
    for again), the page the form was sent from, else the home page."""
    if request.method == "GET":
        return safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    referer = urlsplit(request.headers.get("referer", ""))
    # Host names only: behind the proxy the service sees no port (deploy/nginx.conf passes
    # $host) while the browser's Referer keeps the published one.
    if referer.hostname is None or referer.hostname != request.url.hostname:
        return "/"
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))


def redirect(request: Request, location: str) -> Response:
    """See other: after a form, the browser asks for the page with GET."""
    return _with_page_headers(request, RedirectResponse(location, status_code=303))


def safe_next(location: str | None, default: str = "/") -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if not location or not location.startswith("/") or location.startswith("//"):
        return default
    if "\\" in location:
        return default
    return location


def sign_in_location(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/sign-in?next={quote(target, safe='')}"

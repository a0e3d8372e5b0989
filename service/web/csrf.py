"""Cross-site request forgery: every state-changing form carries the token of a cookie.

Double submit: the browser holds a random token in an HttpOnly, SameSite=Strict cookie and
every form repeats it in a hidden field. Another site can make the browser send the cookie
(it cannot even do that cross-site, SameSite=Strict) but cannot read it to fill in the field.
The sign-in form carries it too, so nobody can sign a browser in as someone else.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from service.core.settings import get_settings

CSRF_COOKIE = "matchmaker_csrf"
CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """The request's token: the cookie's, or a new one the response will set."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing
    fresh: str | None = getattr(request.state, "new_csrf_token", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.new_csrf_token = fresh
    return fresh


def set_csrf_cookie(request: Request, response: Response) -> None:
    fresh: str | None = getattr(request.state, "new_csrf_token", None)
    if fresh is not None:
        response.set_cookie(
            CSRF_COOKIE,
            fresh,
            path="/",
            httponly=True,
            samesite="strict",
            secure=get_settings().environment != "development",
        )


def form_token_is_valid(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    return secrets.compare_digest(cookie.encode(), submitted.encode())

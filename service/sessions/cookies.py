"""The session cookie, set and cleared the same way by the API and by the web pages."""

from __future__ import annotations

from fastapi import Response

from service.core.settings import get_settings
from service.http.auth import SESSION_COOKIE


def _cookie_is_secure() -> bool:
    # Browsers keep a Secure cookie only over HTTPS; development serves plain HTTP locally.
    return get_settings().environment != "development"


def set_session_cookie(response: Response, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (no cross-site form posts it)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().session_absolute_hours * 3600,
        path="/",
        secure=_cookie_is_secure(),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_cookie_is_secure(), httponly=True, samesite="lax"
    )

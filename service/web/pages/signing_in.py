"""The start page, signing in and out, and choosing the language."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from service.core.clock import Now
from service.core.database import SessionDep, start_writing
from service.http.auth import SESSION_COOKIE
from service.http.problems import TooManyRequests, Unauthorized
from service.i18n.catalogs import translate
from service.i18n.languages import LANGUAGE_COOKIE, chosen_language
from service.sessions import service as sessions
from service.sessions.cookies import clear_session_cookie, set_session_cookie
from service.web.forms import FormState
from service.web.pages import invitation_handover
from service.web.pages.common import checked_form, forged, render
from service.web.responses import redirect, safe_next
from service.web.visitors import HOME_OF_ROLE, Visitor

router = APIRouter(include_in_schema=False)


def redirect_permanently(location: str) -> Response:
    return RedirectResponse(location, status_code=301)


ONE_YEAR = 365 * 24 * 3600


@router.get("/")
def start_page(request: Request, visitor: Visitor) -> Response:
    if visitor is None:
        return redirect(request, "/sign-in")
    return redirect(request, HOME_OF_ROLE[visitor.role])


@router.get("/login")
def login_address() -> Response:
    """The address people type for signing in elsewhere (the walk tried it first)."""
    return redirect_permanently("/sign-in")


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers and tools that ask for the classic address get the page icon."""
    return redirect_permanently("/static/favicon.svg")


@router.get("/session/state")
def session_state(visitor: Visitor) -> Response:
    """Whether this browser is still signed in, for session-keeper.js: always 200 (an ended
    session is an answer, not an error), and asking counts as activity, as any page does."""
    return JSONResponse({"signed_in": visitor is not None}, headers={"Cache-Control": "no-store"})


@router.get("/sign-in")
def sign_in_page(request: Request, visitor: Visitor, next: str | None = None) -> Response:
    if visitor is not None:
        return redirect(request, safe_next(next, HOME_OF_ROLE[visitor.role]))
    return render(request, None, "sign_in.html", {"next": safe_next(next, ""), "username": ""})


@router.post("/sign-in")
async def sign_in(request: Request, session: SessionDep, now: Now) -> Response:
    form = await checked_form(request)
    if form is None:
        return forged(request, None)
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = str(form.get("next", ""))
    unfilled = FormState(values={"username": username})
    for name, value in (("username", username), ("password", password)):
        if not value:
            unfilled.add(name, "missing")
    if unfilled.errors:
        # Said beside the empty box, not as a wrong password, and no failed attempt counted.
        context = {"form": unfilled, "next": safe_next(target, ""), "username": username}
        return render(request, None, "sign_in.html", context)
    try:
        token, _, _, principal = sessions.sign_in(
            session=session,
            username=username,
            password=password,
            client_address=request.client.host if request.client else "unknown",
            previous_token=request.cookies.get(SESSION_COOKIE),
            throttle=getattr(request.app.state, "failure_throttle", None),
            now=now,
        )
    except (Unauthorized, TooManyRequests) as refused:
        error = (
            translate("Too many attempts. Wait a few minutes, then try again.")
            if isinstance(refused, TooManyRequests)
            else translate("The username or the password is wrong.")
        )
        context = {"error": error, "next": safe_next(target, ""), "username": username}
        return render(request, None, "sign_in.html", context)
    response = redirect(request, safe_next(target, HOME_OF_ROLE[principal.role]))
    set_session_cookie(response, token)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: SessionDep, visitor: Visitor, now: Now) -> Response:
    form = await checked_form(request)
    if form is None:
        return forged(request, visitor)
    if visitor is not None and visitor.session_id is not None:
        start_writing(session)
        sessions.sign_out(session=session, principal=visitor, now=now)
    response = redirect(request, "/sign-in")
    clear_session_cookie(response)
    # An invitation's code waiting to be shown is not for whoever signs in next.
    invitation_handover.forget_everywhere(response)
    return response


@router.post("/language")
async def choose_language(request: Request, visitor: Visitor) -> Response:
    """Remember the reader's language in their browser; back to the page they were on."""
    form = await checked_form(request)
    if form is None:
        return forged(request, visitor)
    language = chosen_language(str(form.get("language", "")))
    response = redirect(request, safe_next(str(form.get("next", "")), "/"))
    if language is not None:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=ONE_YEAR, path="/", samesite="lax", httponly=True
        )
    return response

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from service.core.clock import Now
from service.core.database import SessionDep
from service.http.auth import (
    SESSION_COOKIE,
    CurrentPrincipal,
    check_public_input,
    problem_responses,
)
from service.http.idempotency import IdempotentRoute, PublicPostRoute
from service.http.openapi_document import may_answer
from service.http.problems import PROBLEM_RESPONSES
from service.sessions import service
from service.sessions.cookies import clear_session_cookie, set_session_cookie
from service.sessions.schemas import CurrentSession, SignIn

router = APIRouter(tags=["sessions"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)
public_router = APIRouter(
    tags=["sessions"],
    responses=problem_responses(401, 413, 422, 429, 503),
    route_class=PublicPostRoute,
    dependencies=[Depends(check_public_input)],
)


@public_router.post("/v1/sessions", status_code=201, response_model=CurrentSession)
def sign_in(
    body: SignIn, request: Request, response: Response, session: SessionDep, now: Now
) -> CurrentSession:
    """Sign in with a username and password: sets the session cookie (HttpOnly).

    A wrong username or password answers 401, the same for both; repeated failures from one
    address or for one user answer 429 with Retry-After.
    """
    token, signed_in, user, principal = service.sign_in(
        session=session,
        username=body.username,
        password=body.password,
        client_address=request.client.host if request.client else "unknown",
        previous_token=request.cookies.get(SESSION_COOKIE),
        throttle=getattr(request.app.state, "failure_throttle", None),
        now=now,
    )
    set_session_cookie(response, token)
    return service.describe(session=session, principal=principal, user=user, signed_in=signed_in)


@router.get("/v1/sessions/current", response_model=CurrentSession)
def current_session(session: SessionDep, principal: CurrentPrincipal) -> CurrentSession:
    """Who is signed in: the person, the account they act for and its role (a key's too)."""
    return service.describe(session=session, principal=principal)


@router.delete("/v1/sessions/current", status_code=204, response_class=Response)
@may_answer(404)  # a request made with an API key has no session to end
def sign_out(session: SessionDep, principal: CurrentPrincipal, now: Now) -> Response:
    """Sign out: the session ends everywhere it was used; 404 for a request made with a key."""
    service.sign_out(session=session, principal=principal, now=now)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response

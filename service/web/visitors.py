"""Who is looking at a page: the person the session cookie signs in, if any, and what they
may open."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from models import Role
from service.core.clock import Now, current_time
from service.core.database import SessionDep, get_session
from service.http.auth import SESSION_COOKIE, Principal, signed_in_principal
from service.i18n.catalogs import translate
from service.i18n.reasons import N_


def web_visitor(request: Request, session: SessionDep, now: Now) -> Principal | None:
    # The request's one instant, for what a page shows as past or to come (``page_now``).
    request.state.now = now
    token = request.cookies.get(SESSION_COOKIE)
    principal = signed_in_principal(session, token, now) if token else None
    if principal is not None:
        request.state.account_id = principal.account_id
        request.state.user_id = principal.user_id
    return principal


Visitor = Annotated[Principal | None, Depends(web_visitor)]


def page_now(request: Request) -> dt.datetime:
    """The instant the page's request happens at: the clock its writes are judged by (every
    page depends on ``web_visitor``, which notes it)."""
    now: dt.datetime | None = getattr(request.state, "now", None)
    return now if now is not None else dt.datetime.now(dt.UTC)


async def visitor_outside_a_route(request: Request) -> Principal | None:
    """The signed-in visitor of a request no page handler took (an unknown address), so that
    its page keeps the visitor's navigation. Such a request has no dependencies solved, so
    this opens the unit of work the way a route's would (``get_session``, or what replaces
    it) and ends it the same way."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    overrides = request.app.dependency_overrides
    clock = overrides.get(current_time, current_time)()  # tests set a plain function
    now: dt.datetime = await clock if inspect.isawaitable(clock) else clock
    opened: AsyncIterator[Session] | Iterator[Session]
    opened = overrides.get(get_session, get_session)(request)
    session = await anext(opened) if isinstance(opened, AsyncIterator) else next(opened)
    try:
        return await anyio.to_thread.run_sync(signed_in_principal, session, token, now)
    finally:
        # Past the yield: the unit of work ends as a route's does.
        if isinstance(opened, AsyncIterator):
            await anext(opened, None)
        else:
            next(opened, None)


HOME_OF_ROLE = {
    Role.COMMISSION: "/commission",
    Role.STARTUP: "/startup",
    Role.INVESTOR: "/investor",
}
_NAVIGATION = {
    Role.COMMISSION: [
        ("/commission", N_("Dashboard")),
        ("/commission/review", N_("Review queue")),
        ("/commission/requests", N_("Financing requests")),
        ("/commission/events", N_("Events")),
        ("/commission/conference", N_("Conference day")),
        ("/commission/outcomes", N_("Outcomes")),
        ("/commission/reports", N_("Reports")),
        ("/commission/compliance", N_("Foreign investment")),
        ("/commission/ranking-models", N_("Ranking models")),
        ("/commission/imports", N_("Imports")),
        ("/commission/people", N_("Accounts and people")),
        ("/commission/audit", N_("Audit trail")),
        ("/webhooks", N_("Webhooks")),
    ],
    Role.STARTUP: [
        ("/startup", N_("My requests")),
        ("/startup/requests/new", N_("New request")),
        ("/startup/meetings", N_("Meetings")),
        ("/startup/agenda", N_("Agenda")),
        ("/outcomes", N_("Outcomes")),
        ("/team", N_("Team")),
        ("/webhooks", N_("Webhooks")),
    ],
    Role.INVESTOR: [
        ("/investor", N_("My mandates")),
        ("/investor/meetings", N_("Meetings")),
        ("/investor/agenda", N_("Agenda")),
        ("/outcomes", N_("Outcomes")),
        ("/team", N_("Team")),
        ("/webhooks", N_("Webhooks")),
    ],
}


def navigation(visitor: Principal | None) -> list[tuple[str, str]]:
    """The pages of the visitor's role, labelled in their language."""
    if visitor is None:
        return []
    return [(href, translate(label)) for href, label in _NAVIGATION.get(visitor.role, [])]

"""Who is looking at a page: the person the session cookie signs in, if any, and what they
may open."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from models import Role
from service.core.clock import Now
from service.core.database import SessionDep
from service.http.auth import SESSION_COOKIE, Principal, signed_in_principal
from service.i18n.catalogs import translate
from service.i18n.reasons import N_


def web_visitor(request: Request, session: SessionDep, now: Now) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    principal = signed_in_principal(session, token, now) if token else None
    if principal is not None:
        request.state.account_id = principal.account_id
        request.state.user_id = principal.user_id
    return principal


Visitor = Annotated[Principal | None, Depends(web_visitor)]

HOME_OF_ROLE = {
    Role.COMMISSION: "/commission",
    Role.STARTUP: "/startup",
    Role.INVESTOR: "/investor",
}
_NAVIGATION = {
    Role.COMMISSION: [
        ("/commission", N_("Dashboard")),
        ("/commission/review", N_("Review queue")),
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
        ("/webhooks", N_("Webhooks")),
    ],
    Role.INVESTOR: [
        ("/investor", N_("My mandates")),
        ("/investor/meetings", N_("Meetings")),
        ("/investor/agenda", N_("Agenda")),
        ("/outcomes", N_("Outcomes")),
        ("/webhooks", N_("Webhooks")),
    ],
}


def navigation(visitor: Principal | None) -> list[tuple[str, str]]:
    """The pages of the visitor's role, labelled in their language."""
    if visitor is None:
        return []
    return [(href, translate(label)) for href, label in _NAVIGATION.get(visitor.role, [])]

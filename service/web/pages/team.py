"""An investor's or a startup's own people: everyone sees their colleagues; the account's
admin invites a colleague (the one-time link shown once) and withdraws an invitation not yet
used. The commission manages every account on its own people page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from models import Role
from service.core.clock import Now
from service.core.database import SessionDep, start_writing
from service.http.auth import Principal
from service.http.problems import Conflict, Forbidden, NotFound
from service.i18n.catalogs import translate
from service.users import service as users
from service.web.pages import invitation_handover
from service.web.pages.common import PageRefusal, SubmittedForm, not_found, render
from service.web.pages.invitations import WITHDRAWAL_NOTICES
from service.web.pages.webhooks import signed_in
from service.web.responses import redirect

router = APIRouter(include_in_schema=False)
SHOWN = 200


def _member(request: Request, visitor: Annotated[Principal, Depends(signed_in)]) -> Principal:
    """An investor's or a startup's person; the commission is sent to its own page."""
    if visitor.role is Role.COMMISSION or visitor.account_id is None:
        raise PageRefusal(redirect(request, "/commission/people"))
    return visitor


Member = Annotated[Principal, Depends(_member)]


def _context(session: Session, visitor: Principal, now: Any, **extra: Any) -> dict[str, Any]:
    people, _ = users.list_page(session=session, principal=visitor, limit=SHOWN, cursor=None)
    invitations = (
        users.list_open_page(session=session, principal=visitor, now=now, limit=SHOWN, cursor=None)[
            0
        ]
        if visitor.account_admin
        else []
    )
    return {"people": people, "invitations": invitations, **extra}


@router.get("/team")
def team_page(request: Request, session: SessionDep, visitor: Member, now: Now) -> Response:
    done = WITHDRAWAL_NOTICES.get(request.query_params.get("done", ""))
    handed = invitation_handover.handed_over(request, session, visitor, now)
    notice = translate(done) if done else None
    context = _context(
        session, visitor, now, notice=notice, warning=handed.gone, invited=handed.invited
    )
    response = render(request, visitor, "team.html", context)
    return invitation_handover.forget(request, response)


@router.post("/team/invite")
async def invite_colleague(
    request: Request, session: SessionDep, visitor: Member, form: SubmittedForm, now: Now
) -> Response:
    """The admin invites a colleague to the account; the page shows the link once."""
    name = str(form.get("name", "")).strip()[:200] or None
    start_writing(session)
    try:
        invitation, code = users.invite(
            session=session,
            principal=visitor,
            account_id=None,
            name=name,
            admin=form.get("admin") == "on",
            now=now,
        )
    except Forbidden:
        context = _context(session, visitor, now, refused=True)
        return render(request, visitor, "team.html", context, status_code=403)
    # To the team page, which shows the link this once: reloading it invites nobody again.
    location = f"/team?{invitation_handover.INVITED_PARAMETER}={invitation.id}"
    return invitation_handover.hand_over(redirect(request, location), "/team", invitation, code)


@router.post("/team/invitations/{invitation_id}/withdraw")
async def withdraw_invitation(
    invitation_id: str,
    request: Request,
    session: SessionDep,
    visitor: Member,
    form: SubmittedForm,
    now: Now,
) -> Response:
    start_writing(session)
    try:
        users.withdraw(session=session, principal=visitor, invitation_id=invitation_id, now=now)
    except NotFound:
        return not_found(request, visitor)
    except Conflict:
        return redirect(request, "/team?done=accepted")
    return redirect(request, "/team?done=withdrawn")

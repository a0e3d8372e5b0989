from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from service.core.clock import Now
from service.core.database import SessionDep
from service.http.auth import CurrentPrincipal, check_public_input, problem_responses
from service.http.idempotency import IdempotentRoute, PublicPostRoute
from service.http.openapi_document import may_answer
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.problems import PROBLEM_RESPONSES
from service.users import service
from service.users.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
    UserOut,
)

router = APIRouter(tags=["people"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)
public_router = APIRouter(
    tags=["people"],
    responses=problem_responses(409, 413, 422, 429, 503),
    route_class=PublicPostRoute,
    dependencies=[Depends(check_public_input)],
)
UserId = Annotated[str, Path(max_length=36)]
InvitationId = Annotated[str, Path(max_length=36)]


@router.post("/v1/invitations", status_code=201, response_model=InvitationCreated)
@may_answer(403)  # a user who is not the account's admin
def create_invitation(
    body: InvitationCreate, session: SessionDep, principal: CurrentPrincipal, now: Now
) -> InvitationCreated:
    """Invite a person to act for an account; the code is returned this once (72 hours).

    The commission invites to any account; an account's admin to its own.
    """
    invitation, code = service.invite(
        session=session,
        principal=principal,
        account_id=body.account_id,
        name=body.name,
        admin=body.admin,
        now=now,
    )
    return InvitationCreated(
        **InvitationOut.from_model(invitation).model_dump(), invitation_code=code
    )


@public_router.post("/v1/invitations/accept", status_code=201, response_model=UserOut)
def accept_invitation(body: InvitationAccept, session: SessionDep, now: Now) -> UserOut:
    """Become a user with an invitation code: choose a username and a password.

    Needs no key: the code is the credential. Sign in afterwards (POST /v1/sessions).
    """
    user = service.accept(
        session=session,
        code=body.code,
        username=body.username,
        password=body.password,
        name=body.name,
        now=now,
    )
    return UserOut.from_model(user)


@router.get("/v1/invitations", response_model=Page[InvitationOut])
def list_open_invitations(
    session: SessionDep,
    principal: CurrentPrincipal,
    now: Now,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[InvitationOut]:
    """Invitations whose code still works (not used, withdrawn or expired), newest first.

    The commission sees every account's; an account's admin its own account's; other users
    none.
    """
    invitations, next_cursor = service.list_open_page(
        session=session, principal=principal, now=now, limit=limit, cursor=cursor
    )
    return Page(items=[InvitationOut.from_model(i) for i in invitations], next_cursor=next_cursor)


@router.post("/v1/invitations/{invitation_id}/withdraw", response_model=InvitationOut)
@may_answer(409)  # accepted already
def withdraw_invitation(
    invitation_id: InvitationId, session: SessionDep, principal: CurrentPrincipal, now: Now
) -> InvitationOut:
    """Withdraw an invitation before it is used: its code stops working at once.

    Withdrawing one already withdrawn or expired returns it unchanged; one already accepted is
    409. The commission withdraws any; an account's admin its own account's; else 404.
    """
    return InvitationOut.from_model(
        service.withdraw(session=session, principal=principal, invitation_id=invitation_id, now=now)
    )


@router.get("/v1/users", response_model=Page[UserOut])
def list_users(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[UserOut]:
    """The people of the caller's account (the commission sees everyone), newest first."""
    users, next_cursor = service.list_page(
        session=session, principal=principal, limit=limit, cursor=cursor
    )
    return Page(items=[UserOut.from_model(u) for u in users], next_cursor=next_cursor)


@router.get("/v1/users/{user_id}", response_model=UserOut)
def read_user(user_id: UserId, session: SessionDep, principal: CurrentPrincipal) -> UserOut:
    """One person of the caller's account (any, for the commission); else 404."""
    return UserOut.from_model(
        service.get_visible(session=session, principal=principal, user_id=user_id)
    )

"""The commission's accounts and people: every account with its people and keys, a new
account with its first person invited, inviting a person (the one-time code is shown once,
after a redirect), revoking a key."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from models import ApiKey, Invitation, Role, User
from service.accounts import service as accounts
from service.accounts.schemas import AccountCreate
from service.api_keys import service as api_keys
from service.api_keys.service import ACCOUNT_KEY_NAME
from service.core.clock import Now
from service.core.database import SessionDep, start_writing
from service.http.auth import Principal
from service.http.problems import Conflict, NotFound
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.users import service as users
from service.web.forms import FormState, validated
from service.web.pages import invitation_handover
from service.web.pages.common import (
    CommissionVisitor,
    SubmittedForm,
    not_found,
    render,
)
from service.web.pages.invitations import WITHDRAWAL_NOTICES
from service.web.responses import redirect

router = APIRouter(include_in_schema=False)
SHOWN = 200
# The commission makes accounts for the firms and companies it works with; another
# commission account is a deployment's decision (the command line), not a page's.
NEW_ACCOUNT_ROLES = (Role.INVESTOR, Role.STARTUP)
PAGE = "/commission/people"
PERSON_NAME_LENGTH = 200  # as a user's name (models.User.name)


def _people_context(
    session: Session, visitor: Principal, now: dt.datetime, **extra: Any
) -> dict[str, Any]:
    listed, _ = accounts.list_page(session=session, role=None, limit=SHOWN, cursor=None)
    people: defaultdict[str, list[User]] = defaultdict(list)
    for user in users.list_page(session=session, principal=visitor, limit=SHOWN, cursor=None)[0]:
        people[user.account_id].append(user)
    invitations: defaultdict[str, list[Invitation]] = defaultdict(list)
    for invitation in users.list_open_page(
        session=session, principal=visitor, now=now, limit=SHOWN, cursor=None
    )[0]:
        invitations[invitation.account_id].append(invitation)
    keys: defaultdict[str, list[ApiKey]] = defaultdict(list)
    for key, _owner in api_keys.list_page(
        session=session, principal=visitor, limit=SHOWN, cursor=None
    )[0]:
        if key.revoked_at is None:
            keys[key.account_id].append(key)
    return {
        "accounts": listed,
        "people": people,
        "invitations": invitations,
        "keys": keys,
        "account_key_name": ACCOUNT_KEY_NAME,
        "new_account_roles": [role.value for role in NEW_ACCOUNT_ROLES],
        "form": FormState(values={"role": Role.INVESTOR.value, "admin": "on"}),
        **extra,
    }


_DONE_NOTICES = {
    "revoked": N_("Key revoked: programs using it are refused from now on."),
    "created": N_("Account created."),
    "invited": N_("Invitation made."),
    **WITHDRAWAL_NOTICES,
}


@router.get("/commission/people")
def people_page(
    request: Request, session: SessionDep, visitor: CommissionVisitor, now: Now
) -> Response:
    done = _DONE_NOTICES.get(request.query_params.get("done", ""))
    notice = translate(done) if done else None
    # Said in the card of the account acted on, where the page opens; else at the top.
    handed = invitation_handover.handed_over(request, session, visitor, now)
    context = _people_context(session, visitor, now, invited=handed.invited)
    acted_on = request.query_params.get("account")
    in_a_card = any(account.id == acted_on for account in context["accounts"])
    context.update(
        notice=None if in_a_card else notice,
        card_notice=notice if in_a_card else None,
        acted_on=acted_on,
    )
    if handed.gone:
        context.update(card_warning=handed.gone if in_a_card else None)
        context.update(warning=None if in_a_card else handed.gone)
    response = render(request, visitor, "commission/people.html", context)
    return invitation_handover.forget(request, response)


def _shown_in_its_card(request: Request, invitation: Invitation, code: str, done: str) -> Response:
    """To the account's card, where the page shows the code this once."""
    account = invitation.account_id
    location = (
        f"{PAGE}?done={done}&account={account}"
        f"&{invitation_handover.INVITED_PARAMETER}={invitation.id}#account-{account}"
    )
    return invitation_handover.hand_over(redirect(request, location), PAGE, invitation, code)


@router.post("/commission/people/accounts")
async def create_account(
    request: Request, session: SessionDep, visitor: CommissionVisitor, form: SubmittedForm, now: Now
) -> Response:
    """A new firm or company, with its first person invited (its admin unless unticked)."""
    typed = {
        "name": str(form.get("name", "")).strip(),
        "role": str(form.get("role", "")),
        "person_name": str(form.get("person_name", "")).strip(),
        "admin": "on" if form.get("admin") == "on" else "",
    }
    state = FormState(values=typed)
    role = typed["role"] if typed["role"] in {r.value for r in NEW_ACCOUNT_ROLES} else "unknown"
    checked = validated(AccountCreate, {"name": typed["name"], "role": role}, state)
    if len(typed["person_name"]) > PERSON_NAME_LENGTH:
        state.add("person_name", "string_too_long", {"max_length": PERSON_NAME_LENGTH})
    # Checked for the same name inside the writing transaction, so a form sent twice at
    # once makes one account (SQLite lets one writer in at a time).
    start_writing(session)
    if checked is not None and accounts.named_like(session, checked.role, checked.name):
        state.add("name", "account_exists")
    if checked is None or state.errors:
        session.rollback()
        context = _people_context(session, visitor, now, form=state)
        return render(request, visitor, "commission/people.html", context)
    account = accounts.create_without_key(
        session=session, principal=visitor, role=checked.role, name=checked.name
    )
    invitation, code = users.invite(
        session=session,
        principal=visitor,
        account_id=account.id,
        name=typed["person_name"] or None,
        admin=typed["admin"] == "on",
        now=now,
    )
    return _shown_in_its_card(request, invitation, code, "created")


@router.post("/commission/people/invite")
async def invite_person(
    request: Request, session: SessionDep, visitor: CommissionVisitor, form: SubmittedForm, now: Now
) -> Response:
    """Invite a person to an account; the page shows the code once, to hand over."""
    account_id = str(form.get("account_id", ""))
    name = str(form.get("name", "")).strip()[:200] or None
    start_writing(session)
    try:
        invitation, code = users.invite(
            session=session,
            principal=visitor,
            account_id=account_id,
            name=name,
            admin=form.get("admin") == "on",
            now=now,
        )
    except NotFound:
        return not_found(request, visitor)
    return _shown_in_its_card(request, invitation, code, "invited")


@router.post("/commission/invitations/{invitation_id}/withdraw")
async def withdraw_invitation(
    invitation_id: str,
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    form: SubmittedForm,
    now: Now,
) -> Response:
    """Withdraw an invitation before it is used; one accepted meanwhile is left as it is."""
    start_writing(session)
    try:
        invitation = users.withdraw(
            session=session, principal=visitor, invitation_id=invitation_id, now=now
        )
    except NotFound:
        return not_found(request, visitor)
    except Conflict:
        found = users.visible_invitation(
            session=session, principal=visitor, invitation_id=invitation_id
        )
        account = "" if found is None else f"&account={found.account_id}#account-{found.account_id}"
        return redirect(request, f"/commission/people?done=accepted{account}")
    # Back to the account acted on, not the top of a long page.
    return redirect(
        request,
        f"/commission/people?done=withdrawn&account={invitation.account_id}"
        f"#account-{invitation.account_id}",
    )


@router.post("/commission/keys/{key_id}/revoke")
async def revoke_key(
    key_id: str,
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    form: SubmittedForm,
    now: Now,
) -> Response:
    start_writing(session)
    try:
        key = api_keys.get_visible(session=session, principal=visitor, key_id=key_id)
    except NotFound:
        return not_found(request, visitor)
    if key.revoked_at is None:
        api_keys.revoke(session=session, principal=visitor, key=key, now=now)
    return redirect(
        request,
        f"/commission/people?done=revoked&account={key.account_id}#account-{key.account_id}",
    )

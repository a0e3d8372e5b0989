"""Accepting an invitation in the browser: the invited person types the code (or opens the
link the commission sent), chooses a username and a password, and is signed in."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from service.core.clock import Now
from service.core.database import SessionDep
from service.http.auth import SESSION_COOKIE
from service.http.problems import Conflict, Invalid
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.sessions import service as sessions
from service.sessions.cookies import set_session_cookie
from service.users import service as users
from service.users.passwords import MIN_PASSWORD_LENGTH, password_weakness
from service.users.schemas import InvitationAccept
from service.web.forms import FormState, validated
from service.web.pages.common import WELCOME, SubmittedForm, render
from service.web.responses import redirect
from service.web.visitors import HOME_OF_ROLE, Visitor

router = APIRouter(include_in_schema=False)
ACCEPT_PATH = "/invitation"
FIELDS = ("code", "name", "username")

# The service's refusals (by field and code), as the person reads them.
_REFUSALS = {
    ("code", "invalid_invitation"): N_(
        "This code is unknown, has expired (codes last 72 hours) or was used already. Ask "
        "whoever invited you for a new one."
    ),
    ("username", "username_taken"): N_("This username is taken; choose another."),
}
_WEAKNESSES = {
    "password_too_short": N_("A password has at least %(count)s characters."),
    "password_too_long": N_("This password is too long."),
    "common_password": N_("This password is in a list of common passwords; choose another."),
    "password_is_username": N_("The password may not be the username."),
    "password_contains_username": N_("The password may not contain the username."),
    "decorated_common_password": N_(
        "This password is a common password with digits or signs added (such as "
        "password2026); choose another."
    ),
    "predictable_password": N_(
        "This password is a pattern (repeats, or a run such as 123456 or abcdef); choose another."
    ),
}


# What a page says after withdrawing an invitation (the people page and the team page).
WITHDRAWAL_NOTICES = {
    "withdrawn": N_("Invitation withdrawn: its link and code no longer work."),
    "accepted": N_("That invitation was accepted meanwhile; the person is listed under People."),
}


def invitation_link(request: Request, code: str) -> str:
    """The link that opens this page with the code filled in, to send the invited person."""
    return f"{str(request.base_url).rstrip('/')}{ACCEPT_PATH}?{urlencode({'code': code})}"


@router.get(ACCEPT_PATH)
def invitation_page(
    request: Request, session: SessionDep, visitor: Visitor, now: Now, code: str = ""
) -> Response:
    """The form; opened from the link with a code that can still be used, it says which
    account the person joins and under which name."""
    form = FormState(values={"code": code.strip()})
    context = _context(session, form, now)
    if code.strip() and "joining" not in context:
        # Said as the page opens, before anyone fills in a form that cannot work.
        form.errors["code"] = translate(_REFUSALS[("code", "invalid_invitation")])
        context["nothing_sent"] = True  # a warning, not a form that failed
    return render(request, visitor, "invitation.html", context)


@router.post(ACCEPT_PATH)
async def accept_invitation(
    request: Request, session: SessionDep, visitor: Visitor, form: SubmittedForm, now: Now
) -> Response:
    """Become a user of the invited account and be signed in; every problem beside its field,
    nothing written."""
    state = FormState(values={name: str(form.get(name, "")).strip() for name in FIELDS})
    password = str(form.get("password", ""))
    data = {
        "code": state.values["code"],
        "username": state.values["username"],
        "password": password,
        "name": state.values["name"] or None,
    }
    checked = validated(InvitationAccept, data, state)
    weakness = password_weakness(password, username=state.values["username"] or None)
    if password and weakness is not None:
        state.errors.setdefault(
            "password", translate(_WEAKNESSES[weakness]) % {"count": MIN_PASSWORD_LENGTH}
        )
    if password != str(form.get("password_again", "")):
        state.add("password_again", "passwords_differ")
    if checked is None or state.errors:
        return _form_again(request, session, visitor, state, now)
    try:
        users.accept(
            session=session,
            code=checked.code,
            username=checked.username,
            password=checked.password,
            name=checked.name,
            now=now,
        )
        token, _, _, principal = sessions.sign_in(
            session=session,
            username=checked.username,
            password=checked.password,
            client_address=request.client.host if request.client else "unknown",
            previous_token=request.cookies.get(SESSION_COOKIE),
            throttle=None,  # the password was chosen a moment ago, in this request
            now=now,
        )
    except (Invalid, Conflict) as refused:
        session.rollback()
        for problem in refused.errors or []:
            message = _REFUSALS.get((problem.field, problem.code))
            if message is not None:
                state.errors.setdefault(problem.field, translate(message))
        if not state.errors:
            raise
        return _form_again(request, session, visitor, state, now)
    response = redirect(request, f"{HOME_OF_ROLE[principal.role]}?{WELCOME}=1")
    set_session_cookie(response, token)
    return response


def _form_again(
    request: Request, session: Session, visitor: Visitor, state: FormState, now: dt.datetime
) -> Response:
    context = _context(session, state, now)
    return render(request, visitor, "invitation.html", context, status_code=422)


def _context(session: Session, form: FormState, now: dt.datetime) -> dict[str, object]:
    """The form, and whom the typed code invites to which account while it can still be used
    (kept when the form comes back with a problem, so the person knows what they join)."""
    context: dict[str, object] = {"form": form, "min_password_length": MIN_PASSWORD_LENGTH}
    code = str(form.values.get("code", ""))
    opened = users.open_invitation(session=session, code=code, now=now) if code else None
    if opened is not None:
        invitation, account = opened
        context.update(joining=account.name, invited_as=invitation.name)
    return context

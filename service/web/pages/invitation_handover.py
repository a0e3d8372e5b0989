"""Showing an invitation's one-time code after a redirect, so reloading the page shows it
again at most once and never makes a second invitation (post, redirect, get).

The code travels from the form's answer to the next page in a short-lived cookie (HttpOnly,
SameSite=Strict, Secure outside development, sent to that page's path only), never in an
address, where history and logs would keep it; the address names the invitation (its id, no
secret), and the cookie must be for that one. The page trusts the cookie only when its code is
the stored invitation's (the hash matches) and the visitor may see that invitation, so a
planted cookie shows nothing; the page clears the cookie as it shows the code, and signing
out clears it too.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy.orm import Session

from models import Invitation
from service.core.settings import get_settings
from service.http.auth import Principal, hash_api_key
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.users import service as users
from service.web.pages.invitations import invitation_link

HANDOVER_COOKIE = "matchmaker_invitation"
HANDOVER_SECONDS = 300  # long enough for a slow redirect, short enough to be gone soon
# The pages that show a code: the cookie goes to these paths only.
PAGES = ("/team", "/commission/people")
# The address's parameter naming the invitation whose code the page may show.
INVITED_PARAMETER = "invited"
LINK_GONE = N_(
    "The invitation's link is shown only once, and that was earlier. If it was not passed on, "
    "withdraw the invitation below and invite the person again."
)


def hand_over(response: Response, page: str, invitation: Invitation, code: str) -> Response:
    """Keep the code for ``page``, where ``response`` redirects (naming the invitation)."""
    response.set_cookie(
        HANDOVER_COOKIE,
        f"{invitation.id}.{code}",
        max_age=HANDOVER_SECONDS,
        path=page,
        httponly=True,
        samesite="strict",
        secure=get_settings().environment != "development",
    )
    return response


@dataclass(frozen=True, slots=True)
class HandedOver:
    """What a page that shows codes says of the invitation its address names."""

    # The invitation, its code and its link, shown this once; None when not (or no longer) here.
    invited: tuple[Invitation, str, str] | None
    # What to do when the address names an invitation whose code is not here (shown already
    # on a reload or in another tab, or expired); None otherwise.
    gone: str | None


def handed_over(
    request: Request, session: Session, visitor: Principal, now: dt.datetime
) -> HandedOver:
    """The code handed over to this page, when it is for the invitation the address names,
    genuine, still open and the visitor's to see; else what to do about it."""
    found = _take_over(request, session, visitor, now)
    if found is not None:
        invitation, code = found
        return HandedOver(invited=(invitation, code, invitation_link(request, code)), gone=None)
    named = request.query_params.get(INVITED_PARAMETER)
    return HandedOver(invited=None, gone=translate(LINK_GONE) if named else None)


def _take_over(
    request: Request, session: Session, visitor: Principal, now: dt.datetime
) -> tuple[Invitation, str] | None:
    kept = request.cookies.get(HANDOVER_COOKIE, "")
    invitation_id, _, code = kept.partition(".")
    if not invitation_id or not code:
        return None
    if invitation_id != request.query_params.get(INVITED_PARAMETER):
        return None
    invitation = users.visible_invitation(
        session=session, principal=visitor, invitation_id=invitation_id
    )
    if invitation is None or not users.is_open(invitation, now):
        return None
    if not hmac.compare_digest(invitation.code_hash, hash_api_key(code)):
        return None
    return invitation, code


def forget(request: Request, response: Response) -> Response:
    """Clear this page's handed-over code once the page has shown it (or found it unusable)."""
    if HANDOVER_COOKIE in request.cookies:
        _delete(response, request.url.path)
    return response


def forget_everywhere(response: Response) -> Response:
    """Clear a code waiting on any page that shows one (signing out: it is not for whoever
    signs in next)."""
    for page in PAGES:
        _delete(response, page)
    return response


def _delete(response: Response, page: str) -> None:
    response.delete_cookie(
        HANDOVER_COOKIE,
        path=page,
        httponly=True,
        samesite="strict",
        secure=get_settings().environment != "development",
    )

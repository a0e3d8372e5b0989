"""Who is calling: an API key (``Authorization: Bearer``) or a signed-in session's cookie.

Keys and session tokens are issued once, stored as SHA-256 (they are 256-bit random, so a
fast hash is enough) and looked up on every request, so a revoked key or an ended session
stops working on every worker at once. Authentication only reads; a request that may write
takes the database's write lock only after its caller is known (``start_writing``), and the
"last used" times move at most once a minute, after authentication succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Update, bindparam, or_, select, update
from sqlalchemy.orm import Session

from models import Account, ApiKey, Role, User, UserSession
from service.core.clock import Now
from service.core.database import (
    READ_ONLY_METHODS,
    SessionDep,
    start_writing,
    start_writing_if_free,
)
from service.core.settings import get_settings
from service.http.problems import PROBLEM_RESPONSES, Forbidden, Unauthorized
from service.http.routing import check_input_after_authentication

API_KEY_PREFIX = "mk_"
SESSION_TOKEN_PREFIX = "ms_"  # noqa: S105 (the form of a token, not a token)
SESSION_COOKIE = "matchmaker_session"
# What a key list shows of a key: its form and a few random characters.
KEY_PREFIX_LENGTH = len(API_KEY_PREFIX) + 7
# "Last used" and "last seen" times move at most this often, so reads stay reads.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
BOOTSTRAP_ADMIN_NAME = "bootstrap admin key"
# The name the commission goes by when it acts from the command line (audit, reports).
COMMAND_LINE_NAME = "command line"

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key (issued with its account, or by POST /v1/api-keys)",
)
_session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="SessionCookie",
    description="A signed-in session (POST /v1/sessions); used when no API key is sent",
)


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def generate_session_token() -> str:
    return SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    """The SHA-256 kept of a key (or of a session token, or an invitation code)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def key_prefix(api_key: str) -> str:
    return api_key[:KEY_PREFIX_LENGTH]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling.

    ``account_id`` is None for the bootstrap admin key and the command line. ``user_id`` and
    ``user_name`` name the person: a signed-in user, or the user a key belongs to; None for an
    account's own key. ``account_admin``: may invite the account's people and manage its
    keys; an account acting through its own key (or the command line) may.
    ``session_id``: the signed-in session the request came with, if any.
    """

    account_id: str | None
    role: Role
    name: str
    user_id: str | None = None
    user_name: str | None = None
    account_admin: bool = True
    session_id: str | None = None

    @property
    def is_commission(self) -> bool:
        return self.role is Role.COMMISSION

    @property
    def display_name(self) -> str:
        """The name the actor goes by: the person's, else the account's (or the key's)."""
        return self.user_name or self.name

    def owns(self, owner_account_id: str | None) -> bool:
        return self.account_id is not None and self.account_id == owner_account_id


def _stale(moment: dt.datetime | None, now: dt.datetime) -> bool:
    return moment is None or now - moment >= TOUCH_INTERVAL


# A key's caller, looked up on every request: the columns only, in one statement built once
# and run on the connection (nothing is pending in a session that has only just begun). As
# ORM objects, with the statement built and keyed each time, it cost 8 times as much.
_CALLER_OF_KEY = (
    select(
        ApiKey.id.label("key_id"),
        ApiKey.key_hash,
        ApiKey.last_used_at,
        Account.id.label("account_id"),
        Account.role,
        Account.name.label("account_name"),
        User.id.label("user_id"),
        User.name.label("user_name"),
        User.is_admin,
    )
    .join(Account, Account.id == ApiKey.account_id)
    .outerjoin(User, User.id == ApiKey.user_id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


def _by_api_key(
    session: Session, presented: str, now: dt.datetime
) -> tuple[Principal, Update | None]:
    admin_key = get_settings().admin_key
    if admin_key is not None and hmac.compare_digest(
        presented.encode("utf-8"), admin_key.get_secret_value().encode("utf-8")
    ):
        return Principal(account_id=None, role=Role.COMMISSION, name=BOOTSTRAP_ADMIN_NAME), None
    presented_hash = hash_api_key(presented)
    found = session.connection().execute(_CALLER_OF_KEY, {"key_hash": presented_hash}).first()
    if found is None or not hmac.compare_digest(found.key_hash, presented_hash):
        raise Unauthorized("The API key is not valid.")
    touch = None
    if _stale(found.last_used_at, now):
        touch = (
            update(ApiKey)
            .where(
                ApiKey.id == found.key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - TOUCH_INTERVAL),
            )
            .values(last_used_at=now)
        )
    principal = Principal(
        account_id=found.account_id,
        role=found.role,
        name=found.account_name,
        user_id=found.user_id,
        user_name=found.user_name,
        account_admin=found.is_admin if found.user_id is not None else True,
    )
    return principal, touch


def _by_session(session: Session, token: str, now: dt.datetime) -> tuple[Principal, Update | None]:
    token_hash = hash_api_key(token)
    found = session.execute(
        select(UserSession, User, Account)
        .join(User, User.id == UserSession.user_id)
        .join(Account, Account.id == User.account_id)
        .where(UserSession.token_hash == token_hash, UserSession.revoked_at.is_(None))
    ).first()
    if found is None:
        raise Unauthorized("The session is not valid; sign in again.")
    signed_in, user, account = found
    idle = dt.timedelta(minutes=get_settings().session_idle_minutes)
    if now >= signed_in.expires_at or now >= signed_in.last_seen_at + idle:
        raise Unauthorized("The session has ended; sign in again.")
    touch = None
    if _stale(signed_in.last_seen_at, now):
        touch = (
            update(UserSession)
            .where(
                UserSession.id == signed_in.id,
                UserSession.last_seen_at <= now - TOUCH_INTERVAL,
            )
            .values(last_seen_at=now)
        )
    principal = Principal(
        account_id=account.id,
        role=account.role,
        name=account.name,
        user_id=user.id,
        user_name=user.name,
        account_admin=user.is_admin,
        session_id=signed_in.id,
    )
    return principal, touch


def signed_in_principal(session: Session, token: str, now: dt.datetime) -> Principal | None:
    """The person a session cookie signs in, or None when it signs in nobody (any more).

    For the web pages, which send a signed-out visitor to the sign-in page instead of
    answering 401; "last seen" moves as it does for the API."""
    try:
        principal, touch = _by_session(session, token, now)
    except Unauthorized:
        return None
    if touch is not None and start_writing_if_free(session):
        session.execute(touch)
        session.commit()
    return principal


def authenticate(
    request: Request,
    session: SessionDep,
    now: Now,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session_token: Annotated[str | None, Depends(_session_cookie)],
) -> Principal:
    """The caller of a bearer key, else of a session cookie; 401 without either."""
    if credentials is not None and credentials.credentials:
        principal, touch = _by_api_key(session, credentials.credentials, now)
    elif session_token:
        principal, touch = _by_session(session, session_token, now)
    else:
        raise Unauthorized(
            "Send 'Authorization: Bearer <api key>', or sign in (POST /v1/sessions)."
        )
    request.state.account_id = principal.account_id
    request.state.user_id = principal.user_id
    # Only now may the request write: first the "last used" time, at most once a minute,
    # and skipped (until a later request) rather than waiting for another writer's lock.
    if touch is not None and start_writing_if_free(session):
        session.execute(touch)
        session.commit()
    if request.method not in READ_ONLY_METHODS:
        start_writing(session)
    return principal


async def authenticated_caller(
    request: Request, principal: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    # Input is judged only once the caller is known: a caller without a key learns nothing.
    # async: a pure check, so FastAPI need not hop to a worker thread for it.
    check_input_after_authentication(request)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticated_caller)]


def check_public_input(request: Request) -> None:
    """What ``authenticated_caller`` checks, for the few routes anyone may call."""
    check_input_after_authentication(request)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem answers a route that anyone may call can give (no 401 for want of a key,
    no 403 or 404 of someone else's object)."""
    return {status: PROBLEM_RESPONSES[status] for status in statuses}


def ensure_role(principal: Principal, roles: Collection[Role]) -> Principal:
    """``principal``, if it acts with one of ``roles``; 403 otherwise."""
    if principal.role not in roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(r.value for r in roles)}.")
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    # async: a pure check, so FastAPI need not hop to a worker thread for it.
    async def check_role(principal: CurrentPrincipal) -> Principal:
        return ensure_role(principal, roles)

    return check_role


INVESTOR_SIDE_ROLES = (Role.INVESTOR, Role.COMMISSION)
CommissionPrincipal = Annotated[Principal, Depends(require_roles(Role.COMMISSION))]
InvestorSidePrincipal = Annotated[Principal, Depends(require_roles(*INVESTOR_SIDE_ROLES))]
StartupSidePrincipal = Annotated[Principal, Depends(require_roles(Role.STARTUP, Role.COMMISSION))]

BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
SessionCookie = Annotated[str | None, Depends(_session_cookie)]


def authenticated_in_role(
    request: Request,
    session: Session,
    now: dt.datetime,
    credentials: HTTPAuthorizationCredentials | None,
    session_token: str | None,
    roles: Collection[Role],
) -> Principal:
    """What ``require_roles(*roles)`` gives, in the same order (401, then unreadable or unknown
    input, then 403), called from a synchronous dependency that reads the database next: both
    in one hop to a worker thread, where FastAPI gives each synchronous dependency a hop."""
    principal = authenticate(request, session, now, credentials, session_token)
    check_input_after_authentication(request)
    return ensure_role(principal, roles)

"""Signing in and out: server-side sessions behind an opaque cookie.

A sign-in checks the password (Argon2id), then stores a new session: only the SHA-256 of its
random token, with its end (``MATCHMAKER_SESSION_ABSOLUTE_HOURS`` after sign-in) and the time
it was last seen (it ends ``MATCHMAKER_SESSION_IDLE_MINUTES`` after that). Every sign-in makes
a new token, and the session the browser came with, if any, is revoked: a token planted
before sign-in never becomes a signed-in one.

Failed sign-ins are throttled (``service.http.throttle``) per client address and per
username; a blocked caller gets 429 with Retry-After, checked before the password. A username
that exists is counted under its user; one that does not is counted in one of
``UNKNOWN_NAME_SLOTS`` slots (a hash of the name, never the name), so it is throttled exactly
like an existing one while invented names can grow the counters only up to a constant. Both
are refused exactly like a wrong password: same status and body, after an Argon2 verification
of the same cost.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Account, User, UserSession
from service.audit_log.writer import record_audit
from service.core.database import start_writing, stop_reading
from service.core.settings import get_settings
from service.http.auth import Principal, generate_session_token, hash_api_key
from service.http.problems import NotFound, TooManyRequests, Unauthorized
from service.http.throttle import FailureThrottle
from service.sessions.schemas import CurrentSession, SignedInUser
from service.users.passwords import verify_password
from service.users.service import principal_of

WRONG_CREDENTIALS = "The username or the password is wrong."


UNKNOWN_NAME_SLOTS = 65_536
"""Unknown usernames are counted in this many slots: a name that does not exist is throttled
like one that does (a 429 must not tell them apart), yet inventing names can add at most this
many rows per window."""


def unknown_name_slot(username: str) -> int:
    """A stable slot for a username that has no user (the name itself is never stored)."""
    digest = hashlib.blake2b(username.casefold().encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % UNKNOWN_NAME_SLOTS


def throttle_buckets(client_address: str, username: str, user: User | None) -> list[str]:
    """The client address always; then the user, or the unknown name's slot."""
    name_bucket = (
        f"signin-user:{user.id}"
        if user is not None
        else f"signin-name:{unknown_name_slot(username)}"
    )
    return [f"signin-addr:{client_address}", name_bucket]


def sign_in(
    *,
    session: Session,
    username: str,
    password: str,
    client_address: str,
    previous_token: str | None,
    throttle: FailureThrottle | None,
    now: dt.datetime,
) -> tuple[str, UserSession, User, Principal]:
    """A new session for the user with these credentials, its token (shown once) and the
    user acting through it."""
    found = session.execute(
        select(User, Account)
        .join(Account, Account.id == User.account_id)
        .where(User.username == username)
    ).first()
    user, account = (found[0], found[1]) if found is not None else (None, None)
    buckets = throttle_buckets(client_address, username, user)
    if throttle is not None:
        wait = throttle.retry_after(buckets)
        if wait is not None:
            raise TooManyRequests(
                f"Too many failed sign-ins; retry in {wait} s.", headers={"Retry-After": str(wait)}
            )
    stop_reading(session)  # Argon2 is slow on purpose: it holds no connection meanwhile
    verified = verify_password(user.password_hash if user is not None else None, password)
    if not verified or user is None or account is None:
        if throttle is not None:
            throttle.record_failure(buckets)
        raise Unauthorized(WRONG_CREDENTIALS)
    if throttle is not None:
        throttle.record_success(buckets[1:])  # the user's count; never the address's
    settings = get_settings()
    token = generate_session_token()
    start_writing(session)
    if previous_token:
        session.execute(
            update(UserSession)
            .where(
                UserSession.token_hash == hash_api_key(previous_token),
                UserSession.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    signed_in = UserSession(
        user_id=user.id,
        token_hash=hash_api_key(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
    )
    session.add(signed_in)
    session.flush()
    principal = principal_of(user, account, session_id=signed_in.id)
    record_audit(
        session=session,
        principal=principal,
        action="session.create",
        object_type="session",
        object_id=signed_in.id,
        changes={"expires_at": signed_in.expires_at.isoformat()},
    )
    return token, signed_in, user, principal


def sign_out(*, session: Session, principal: Principal, now: dt.datetime) -> None:
    """Revoke the session the request came with: it stops working on every worker."""
    if principal.session_id is None:
        raise NotFound("This request came with no session (it used an API key).")
    session.execute(
        update(UserSession)
        .where(UserSession.id == principal.session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    record_audit(
        session=session,
        principal=principal,
        action="session.revoke",
        object_type="session",
        object_id=principal.session_id,
    )


def describe(
    *,
    session: Session,
    principal: Principal,
    user: User | None = None,
    signed_in: UserSession | None = None,
) -> CurrentSession:
    """Who is calling, as the web application shows it."""
    if user is None and principal.user_id is not None:
        user = session.get(User, principal.user_id)
    if signed_in is None and principal.session_id is not None:
        signed_in = session.get(UserSession, principal.session_id)
    return CurrentSession(
        user=(
            SignedInUser(id=user.id, username=user.username, name=user.name, admin=user.is_admin)
            if user is not None
            else None
        ),
        account_id=principal.account_id,
        account_name=principal.name,
        role=principal.role,
        via="session" if signed_in is not None else "api_key",
        expires_at=signed_in.expires_at if signed_in is not None else None,
    )

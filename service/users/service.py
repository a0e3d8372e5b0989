"""The people of an account: invitations, accepting one, and who may see whom.

The commission invites a person to any account; an account's admin (an admin user, or the
account acting through its own key) invites colleagues to that account. An invitation is a
one-time code valid ``INVITATION_LIFETIME``; only its SHA-256 is kept. Accepting it creates
the user with a username and a password of their choosing (Argon2id; see ``passwords``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, false, select, update
from sqlalchemy.orm import Session

from models import Account, Invitation, User
from service.audit_log.writer import record_audit
from service.core.database import start_writing, stop_reading
from service.http.auth import Principal, hash_api_key
from service.http.pagination import fetch_page
from service.http.problems import Conflict, Forbidden, Invalid, NotFound, field_problem
from service.users.passwords import hash_password, password_problem

INVITATION_CODE_PREFIX = "mi_"
INVITATION_LIFETIME = dt.timedelta(hours=72)


def generate_invitation_code() -> str:
    return INVITATION_CODE_PREFIX + secrets.token_urlsafe(32)


def _target_account(session: Session, principal: Principal, account_id: str | None) -> Account:
    """The account an invitation is for: the caller's, or one the commission names."""
    if account_id is None:
        account_id = principal.account_id
        if account_id is None:
            message = "The bootstrap admin key has no account of its own: name one"
            raise Invalid(message, errors=[field_problem("account_id", "missing", message)])
    elif not principal.is_commission and account_id != principal.account_id:
        message = "Only the commission invites people to another account"
        raise Invalid(message, errors=[field_problem("account_id", "not_allowed", message)])
    account = session.get(Account, account_id)
    if account is None:
        message = "No account with this id"
        raise Invalid(message, errors=[field_problem("account_id", "unknown_account", message)])
    return account


def invite(
    *,
    session: Session,
    principal: Principal,
    account_id: str | None,
    name: str | None,
    admin: bool,
    now: dt.datetime,
) -> tuple[Invitation, str]:
    """A new invitation and its code (the only time the code is seen)."""
    if not principal.is_commission and not principal.account_admin:
        raise Forbidden("Only an account's admin (or the commission) invites people.")
    account = _target_account(session, principal, account_id)
    code = generate_invitation_code()
    invitation = Invitation(
        account_id=account.id,
        name=name,
        is_admin=admin,
        code_hash=hash_api_key(code),
        invited_by_user_id=principal.user_id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="invitation.create",
        object_type="invitation",
        object_id=invitation.id,
        changes={"account_id": account.id, "name": name, "admin": admin},
    )
    return invitation, code


def _visible_invitations(principal: Principal) -> Select[tuple[Invitation]]:
    """Invitations the caller may see and withdraw: any, for the commission; an account's
    admin, its own account's; nobody else's."""
    statement = select(Invitation)
    if principal.is_commission:
        return statement
    if not principal.account_admin:
        return statement.where(false())
    return statement.where(Invitation.account_id == principal.account_id)


def visible_invitation(
    *, session: Session, principal: Principal, invitation_id: str
) -> Invitation | None:
    """An invitation the caller may see (and withdraw), or None."""
    return session.scalars(
        _visible_invitations(principal).where(Invitation.id == invitation_id)
    ).first()


def list_open_page(
    *, session: Session, principal: Principal, now: dt.datetime, limit: int, cursor: str | None
) -> tuple[Sequence[Invitation], str | None]:
    """Invitations whose code still works, newest first: the commission sees every account's,
    an account's admin its own account's; anyone else none."""
    statement = _visible_invitations(principal).where(*_still_open(now))
    return fetch_page(
        session=session,
        statement=statement,
        created_at_column=Invitation.created_at,
        id_column=Invitation.id,
        limit=limit,
        cursor=cursor,
    )


def withdraw(
    *, session: Session, principal: Principal, invitation_id: str, now: dt.datetime
) -> Invitation:
    """Withdraw an invitation before it is used, so its code no longer works. Withdrawing one
    already withdrawn or expired changes nothing; one already accepted is a conflict (the person
    is a user now: that is another decision). One the caller may not see is 404."""
    invitation = visible_invitation(
        session=session, principal=principal, invitation_id=invitation_id
    )
    if invitation is None:
        raise NotFound("No such invitation.")
    if is_open(invitation, now):
        _withdraw_open(session=session, principal=principal, invitation=invitation, now=now)
    if invitation.accepted_at is not None:
        message = "This invitation was accepted already; the person is a user of the account"
        raise Conflict(message, errors=[field_problem("id", "invitation_accepted", message)])
    return invitation


def _withdraw_open(
    *, session: Session, principal: Principal, invitation: Invitation, now: dt.datetime
) -> None:
    # Of a withdrawal and an acceptance at the same moment, one updates the row; the other
    # finds it used (refreshed below) and says so.
    withdrawn = cast(
        CursorResult[Any],
        session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, *_still_open(now))
            .values(withdrawn_at=now)
        ),
    )
    session.refresh(invitation)
    if withdrawn.rowcount == 1:
        record_audit(
            session=session,
            principal=principal,
            action="invitation.withdraw",
            object_type="invitation",
            object_id=invitation.id,
            changes={"account_id": invitation.account_id, "name": invitation.name},
        )


def _invalid_code() -> Invalid:
    message = "This invitation code is unknown, expired or already used"
    return Invalid(message, errors=[field_problem("code", "invalid_invitation", message)])


def _username_taken() -> Conflict:
    message = "This username is taken; choose another"
    return Conflict(message, errors=[field_problem("username", "username_taken", message)])


def open_invitation(
    *, session: Session, code: str, now: dt.datetime
) -> tuple[Invitation, Account] | None:
    """The invitation a code opens and the account it joins, while it can still be used; the
    code is the credential, so whoever holds it may read whom it invites where."""
    found = session.execute(
        select(Invitation, Account)
        .join(Account, Account.id == Invitation.account_id)
        .where(Invitation.code_hash == hash_api_key(code))
    ).first()
    if found is None:
        return None
    invitation, account = found
    if not is_open(invitation, now):
        return None
    return invitation, account


def _still_open(now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    """In SQL, what ``is_open`` says of one invitation."""
    return (
        Invitation.accepted_at.is_(None),
        Invitation.withdrawn_at.is_(None),
        Invitation.expires_at > now,
    )


def is_open(invitation: Invitation, now: dt.datetime) -> bool:
    """Whether the invitation's code still works: not used, not withdrawn, not expired."""
    return (
        invitation.accepted_at is None
        and invitation.withdrawn_at is None
        and now < invitation.expires_at
    )


def accept(
    *,
    session: Session,
    code: str,
    username: str,
    password: str,
    name: str | None,
    now: dt.datetime,
) -> User:
    """The user an invitation becomes; the invitation is used up in the same transaction."""
    code_hash = hash_api_key(code)
    invitation = session.scalars(
        select(Invitation).where(Invitation.code_hash == code_hash)
    ).first()
    if invitation is None or not is_open(invitation, now):
        raise _invalid_code()
    problem = password_problem(password, username=username)
    if problem is not None:
        raise Invalid(problem, errors=[field_problem("password", "weak_password", problem)])
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise _username_taken()
    stop_reading(session)  # hashing is slow on purpose: it holds no connection, no lock
    password_hash = hash_password(password)
    start_writing(session)
    # Used once: of two acceptances at the same moment, one updates the row.
    used = cast(
        CursorResult[Any],
        session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, *_still_open(now))
            .values(accepted_at=now)
        ),
    )
    if used.rowcount != 1:
        raise _invalid_code()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise _username_taken()
    account = session.get(Account, invitation.account_id)
    assert account is not None  # invitations refer to their account
    user = add_user(
        session=session,
        principal=None,
        account=account,
        username=username,
        name=name or invitation.name or username,
        password_hash=password_hash,
        admin=invitation.is_admin,
        now=now,
        invitation_id=invitation.id,
    )
    session.execute(
        update(Invitation).where(Invitation.id == invitation.id).values(user_id=user.id)
    )
    return user


def add_user(
    *,
    session: Session,
    principal: Principal | None,
    account: Account,
    username: str,
    name: str,
    password_hash: str,
    admin: bool,
    now: dt.datetime,
    invitation_id: str | None = None,
) -> User:
    """Store a user, audited as done by ``principal`` (None: by the new user, accepting)."""
    user = User(
        account_id=account.id,
        username=username,
        name=name,
        password_hash=password_hash,
        is_admin=admin,
        created_at=now,
    )
    session.add(user)
    session.flush()
    changes: dict[str, str | bool | None] = {
        "account_id": account.id,
        "username": username,
        "name": name,
        "admin": admin,
    }
    if invitation_id is not None:
        changes["invitation_id"] = invitation_id
    record_audit(
        session=session,
        principal=principal or principal_of(user, account),
        action="user.create",
        object_type="user",
        object_id=user.id,
        changes=changes,
    )
    return user


def principal_of(user: User, account: Account, *, session_id: str | None = None) -> Principal:
    """A user acting: the account's role, the user's name and admin right."""
    return Principal(
        account_id=account.id,
        role=account.role,
        name=account.name,
        user_id=user.id,
        user_name=user.name,
        account_admin=user.is_admin,
        session_id=session_id,
    )


def list_page(
    *, session: Session, principal: Principal, limit: int, cursor: str | None
) -> tuple[Sequence[User], str | None]:
    """The users of the caller's account; the commission sees everyone's."""
    statement = select(User)
    if not principal.is_commission:
        statement = statement.where(User.account_id == principal.account_id)
    return fetch_page(
        session=session,
        statement=statement,
        created_at_column=User.created_at,
        id_column=User.id,
        limit=limit,
        cursor=cursor,
    )


def get_visible(*, session: Session, principal: Principal, user_id: str) -> User:
    """A user the caller may see: of its own account (any, for the commission); else 404."""
    user = session.get(User, user_id)
    if user is None or not (principal.is_commission or principal.owns(user.account_id)):
        raise NotFound("No such user.")
    return user

"""API keys: each belongs to a user, or to the account itself (for machines).

Anyone of an account sees its keys (names, prefixes, owners, times; never a key or a hash);
the commission sees all. A key is made for the caller's own user, or for the account by its
admin; the key's user, the account's admin and the commission may revoke it. Another
account's key is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, ApiKey, User
from service.audit_log.writer import record_audit
from service.http.auth import Principal, generate_api_key, hash_api_key, key_prefix
from service.http.pagination import decode_cursor, encode_cursor
from service.http.problems import Forbidden, Invalid, NotFound, field_problem

ACCOUNT_KEY_NAME = "account key"
OBJECT_TYPE = "api_key"


def issue(
    *,
    session: Session,
    principal: Principal,
    account_id: str,
    user_id: str | None,
    name: str,
    audit: bool = True,
) -> tuple[ApiKey, str]:
    """Store a new key and return it with the key itself (the only time it is seen).

    ``audit=False`` when the caller's own audit record names the key (an account's first).
    """
    api_key = generate_api_key()
    key = ApiKey(
        account_id=account_id,
        user_id=user_id,
        name=name,
        prefix=key_prefix(api_key),
        key_hash=hash_api_key(api_key),
    )
    session.add(key)
    session.flush()
    if not audit:
        return key, api_key
    record_audit(
        session=session,
        principal=principal,
        action="api_key.create",
        object_type=OBJECT_TYPE,
        object_id=key.id,
        changes={"name": name, "account_id": account_id, "user_id": user_id, "prefix": key.prefix},
    )
    return key, api_key


def create(
    *,
    session: Session,
    principal: Principal,
    name: str,
    account_key: bool,
    account_id: str | None,
) -> tuple[ApiKey, User | None, str]:
    """A key for the caller's user, or (``account_key``, or no user) for the account."""
    if account_id is not None and account_id != principal.account_id:
        if not principal.is_commission:
            message = "Only the commission makes keys for another account"
            raise Invalid(message, errors=[field_problem("account_id", "not_allowed", message)])
        if session.get(Account, account_id) is None:
            message = "No account with this id"
            raise Invalid(message, errors=[field_problem("account_id", "unknown_account", message)])
        key, api_key = issue(
            session=session, principal=principal, account_id=account_id, user_id=None, name=name
        )
        return key, None, api_key
    if principal.account_id is None:
        message = "The bootstrap admin key has no account of its own: name one"
        raise Invalid(message, errors=[field_problem("account_id", "missing", message)])
    owner: User | None = None
    if not account_key and principal.user_id is not None:
        owner = session.get(User, principal.user_id)
    elif not principal.account_admin:
        raise Forbidden("Only the account's admin makes keys for the account.")
    key, api_key = issue(
        session=session,
        principal=principal,
        account_id=principal.account_id,
        user_id=owner.id if owner is not None else None,
        name=name,
    )
    return key, owner, api_key


def list_page(
    *,
    session: Session,
    principal: Principal,
    limit: int,
    cursor: str | None,
    account_id: str | None = None,
) -> tuple[list[tuple[ApiKey, User | None]], str | None]:
    """The keys of the caller's account (the commission: all, or one account's), newest
    first, with their owners."""
    statement = select(ApiKey, User).outerjoin(User, User.id == ApiKey.user_id)
    if not principal.is_commission:
        statement = statement.where(ApiKey.account_id == principal.account_id)
    elif account_id is not None:
        statement = statement.where(ApiKey.account_id == account_id)
    if cursor is not None:
        after_created_at, after_id = decode_cursor(cursor)
        statement = statement.where(
            (ApiKey.created_at < after_created_at)
            | ((ApiKey.created_at == after_created_at) & (ApiKey.id < after_id))
        )
    statement = statement.order_by(ApiKey.created_at.desc(), ApiKey.id.desc()).limit(limit + 1)
    rows: Sequence[tuple[ApiKey, User | None]] = [
        (key, owner) for key, owner in session.execute(statement).all()
    ]
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1][0]
    return list(rows[:limit]), encode_cursor(last.created_at, last.id)


def get_visible(*, session: Session, principal: Principal, key_id: str) -> ApiKey:
    """A key of the caller's account (any, for the commission); else 404."""
    key = session.get(ApiKey, key_id)
    if key is None or not (principal.is_commission or principal.owns(key.account_id)):
        raise NotFound("No such API key.")
    return key


def revoke(*, session: Session, principal: Principal, key: ApiKey, now: dt.datetime) -> None:
    """The key stops working on every worker at commit; revoking it again changes nothing."""
    own = principal.user_id is not None and key.user_id == principal.user_id
    if not (principal.is_commission or principal.account_admin or own):
        raise Forbidden("Only the key's user or the account's admin revokes a key.")
    if key.revoked_at is not None:
        return
    key.revoked_at = now
    record_audit(
        session=session,
        principal=principal,
        action="api_key.revoke",
        object_type=OBJECT_TYPE,
        object_id=key.id,
        changes={"name": key.name, "account_id": key.account_id, "user_id": key.user_id},
    )


def replace_account_keys(
    *, session: Session, principal: Principal, account_id: str, now: dt.datetime
) -> str:
    """Revoke the account's own keys and issue a new one (the demo's fresh keys)."""
    for key in session.scalars(
        select(ApiKey).where(
            ApiKey.account_id == account_id,
            ApiKey.user_id.is_(None),
            ApiKey.revoked_at.is_(None),
        )
    ):
        revoke(session=session, principal=principal, key=key, now=now)
    _key, api_key = issue(
        session=session,
        principal=principal,
        account_id=account_id,
        user_id=None,
        name=ACCOUNT_KEY_NAME,
    )
    return api_key

"""Accounts and their API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Role
from service.audit import record_audit
from service.auth import Principal, generate_api_key, hash_api_key
from service.pagination import fetch_page


def create(*, session: Session, principal: Principal, role: Role, name: str) -> tuple[Account, str]:
    """Create an account and return it with its new API key (the only time it is seen)."""
    api_key = generate_api_key()
    account = Account(role=role, name=name, key_hash=hash_api_key(api_key))
    session.add(account)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="account.create",
        object_type="account",
        object_id=account.id,
        changes={"role": role.value, "name": name},
    )
    return account, api_key


def rotate_key(*, session: Session, principal: Principal, account: Account) -> str:
    """Replace an account's API key; the old one stops working at commit."""
    api_key = generate_api_key()
    account.key_hash = hash_api_key(api_key)
    record_audit(
        session=session,
        principal=principal,
        action="account.rotate_key",
        object_type="account",
        object_id=account.id,
    )
    return api_key


def list_page(
    *, session: Session, role: Role | None, limit: int, cursor: str | None
) -> tuple[Sequence[Account], str | None]:
    statement = select(Account)
    if role is not None:
        statement = statement.where(Account.role == role)
    return fetch_page(
        session=session,
        statement=statement,
        created_at_column=Account.created_at,
        id_column=Account.id,
        limit=limit,
        cursor=cursor,
    )

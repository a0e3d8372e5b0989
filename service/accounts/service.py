"""Accounts and their API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Role
from service.audit_log.writer import record_audit
from service.http.auth import Principal, generate_api_key, hash_api_key
from service.http.pagination import fetch_page
from service.http.problems import Invalid, field_problem


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


def resolve_owner(
    *, session: Session, principal: Principal, owner_account_id: str | None, role: Role
) -> str | None:
    """Who owns an object being created: the caller, or an account the commission names."""
    if owner_account_id is None:
        return principal.account_id
    if not principal.is_commission:
        raise Invalid(
            "Only the commission creates objects on behalf of another account.",
            errors=[
                field_problem(
                    "owner_account_id", "not_allowed", "Only the commission may set this field"
                )
            ],
        )
    owner = session.get(Account, owner_account_id)
    if owner is None or owner.role is not role:
        raise Invalid(
            f"owner_account_id must name a {role.value} account.",
            errors=[
                field_problem(
                    "owner_account_id",
                    f"unknown_{role.value}_account",
                    f"No {role.value} account with this id",
                )
            ],
        )
    return owner.id

"""Accounts; each starts with one key of its own (``service.api_keys``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Account, Role
from models.types import utc_now
from service.api_keys import service as api_keys
from service.audit_log.writer import record_audit
from service.http.auth import Principal
from service.http.pagination import fetch_page
from service.http.problems import Invalid, field_problem


def create(*, session: Session, principal: Principal, role: Role, name: str) -> tuple[Account, str]:
    """Create an account and return it with its first API key (the only time it is seen):
    the account's own key, "account key"."""
    account = _add_account(session, role, name)
    key, api_key = api_keys.issue(
        session=session,
        principal=principal,
        account_id=account.id,
        user_id=None,
        name=api_keys.ACCOUNT_KEY_NAME,
        audit=False,
    )
    _audit_creation(session, principal, account, api_key_id=key.id)
    return account, api_key


def create_without_key(*, session: Session, principal: Principal, role: Role, name: str) -> Account:
    """Create an account whose people sign in (made in the web application): no account
    key, since one nobody was shown would only be a risk; a program's key is made later."""
    account = _add_account(session, role, name)
    _audit_creation(session, principal, account, api_key_id=None)
    return account


# The key of PostgreSQL's transaction-scoped advisory lock that orders account naming (any
# constant the application uses for nothing else).
_NAMING_LOCK_KEY = 0x6D6D_6E61_6D65  # "mmname"


def named_like(session: Session, role: Role, name: str) -> Account | None:
    """An account of ``role`` already called ``name``, letter case (any script) and
    spacing aside: the same firm entered twice. Compared in Python, since SQLite's
    lower() folds ASCII only; an office has hundreds of accounts, not millions.

    Call it inside the writing transaction that then creates the account. Two officers
    entering the same firm at once must not both find it free: SQLite lets one writer in at
    a time, and on PostgreSQL this takes a lock held until the transaction ends, so the
    second check waits for the first account to be committed (or not) and sees it. There is
    no unique index to lean on: the API allows two accounts of the same name."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_NAMING_LOCK_KEY)))
    wanted = _comparable(name)
    for account in session.scalars(select(Account).where(Account.role == role)):
        if _comparable(account.name) == wanted:
            return account
    return None


def _comparable(name: str) -> str:
    """A name as two people typing the same firm would both write it: spaces anywhere
    collapsed (full-width ones too), letter case folded."""
    return " ".join(name.split()).casefold()


def _add_account(session: Session, role: Role, name: str) -> Account:
    account = Account(role=role, name=name)
    session.add(account)
    session.flush()
    return account


def _audit_creation(
    session: Session, principal: Principal, account: Account, *, api_key_id: str | None
) -> None:
    changes = {"role": account.role.value, "name": account.name}
    if api_key_id is not None:
        changes["api_key_id"] = api_key_id
    record_audit(
        session=session,
        principal=principal,
        action="account.create",
        object_type="account",
        object_id=account.id,
        changes=changes,
    )


def rotate_key(*, session: Session, principal: Principal, account: Account) -> str:
    """Replace an account's own keys with a new one; the old ones stop working at commit.
    Keys of the account's users stay."""
    return api_keys.replace_account_keys(
        session=session, principal=principal, account_id=account.id, now=utc_now()
    )


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

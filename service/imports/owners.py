"""Owners named in a file: an account id, or the name of exactly one account of the role."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Account, Role

# Keeps each IN list well under SQLite's limit on bound variables.
_LOOKUP_BATCH = 500


class UnknownOwner(ValueError):
    """The reference names no single account of the required role."""


class OwnerDirectory:
    """The accounts a file refers to, looked up once for all of its rows."""

    def __init__(self, *, session: Session, role: Role, references: Iterable[str]) -> None:
        self.role = role
        wanted = sorted({r for r in references if r})
        self._by_id: dict[str, Account] = {}
        self._by_name: defaultdict[str, list[Account]] = defaultdict(list)
        for start in range(0, len(wanted), _LOOKUP_BATCH):
            batch = wanted[start : start + _LOOKUP_BATCH]
            for account in session.scalars(
                select(Account).where(or_(Account.id.in_(batch), Account.name.in_(batch)))
            ):
                if account.id not in self._by_id:
                    self._by_id[account.id] = account
                    self._by_name[account.name].append(account)

    def resolve(self, reference: str) -> str:
        """The id of the account ``reference`` names, as the API's ``resolve_owner`` wants it."""
        account = self._by_id.get(reference)
        if account is None:
            same_name = [a for a in self._by_name.get(reference, []) if a.role is self.role]
            if len(same_name) > 1:
                raise UnknownOwner(
                    f"{len(same_name)} {self.role.value} accounts are named '{reference}'; "
                    "write the account id instead"
                )
            if not same_name:
                raise UnknownOwner(f"No {self.role.value} account has the id or name '{reference}'")
            account = same_name[0]
        if account.role is not self.role:
            raise UnknownOwner(
                f"Account '{reference}' has the role {account.role.value}, not {self.role.value}"
            )
        return account.id

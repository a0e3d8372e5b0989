"""Accounts and events a file names: by id, or by a name that picks exactly one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Account, Event, Role

# Keeps each IN list well under SQLite's and PostgreSQL's limits on bound parameters.
_LOOKUP_BATCH = 500


class UnknownReference(ValueError):
    """The cell names no single account (of the required role) or event. ``code`` and
    ``values`` say which, for a page to word it in its reader's language."""

    def __init__(self, message: str, code: str, **values: str) -> None:
        super().__init__(message)
        self.code = code
        self.values = tuple(values.items())


def _wanted(references: Iterable[str]) -> list[str]:
    return sorted({r for r in references if r})


class OwnerDirectory:
    """The accounts a file refers to, looked up once for all of its rows."""

    def __init__(self, *, session: Session, role: Role, references: Iterable[str]) -> None:
        self.role = role
        wanted = _wanted(references)
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
                raise UnknownReference(
                    f"{len(same_name)} {self.role.value} accounts are named '{reference}'; "
                    "write the account id instead",
                    "ambiguous_account",
                    count=str(len(same_name)),
                    role=self.role.value,
                    written=reference,
                )
            if not same_name:
                raise UnknownReference(
                    f"No {self.role.value} account has the id or name '{reference}'",
                    "unknown_account",
                    role=self.role.value,
                    written=reference,
                )
            account = same_name[0]
        if account.role is not self.role:
            raise UnknownReference(
                f"Account '{reference}' has the role {account.role.value}, not {self.role.value}",
                "account_of_another_role",
                role=self.role.value,
                written=reference,
            )
        return account.id


class EventDirectory:
    """The events a file refers to (names are unique), looked up once for all rows."""

    def __init__(self, *, session: Session, references: Iterable[str]) -> None:
        wanted = _wanted(references)
        self._ids: dict[str, str] = {}
        for start in range(0, len(wanted), _LOOKUP_BATCH):
            batch = wanted[start : start + _LOOKUP_BATCH]
            for event_id, name in session.execute(
                select(Event.id, Event.name).where(or_(Event.id.in_(batch), Event.name.in_(batch)))
            ):
                self._ids[event_id] = event_id
                self._ids.setdefault(name, event_id)

    def resolve(self, reference: str) -> str:
        """The id of the event ``reference`` names, as ``events.check_exists`` wants it."""
        event_id = self._ids.get(reference)
        if event_id is None:
            raise UnknownReference(
                f"No event has the id or name '{reference}'; the commission creates events "
                "first (POST /v1/events)",
                "unknown_event",
                written=reference,
            )
        return event_id

"""Which real-world object a row is about: its natural key.

Importing a file again must not duplicate what the first import wrote, so every row is
looked up by the fields that say which object it describes, never by a database id:

- **Investor profile: the owner account and the name.** A mandate is named by its
  investor, and a name means something within that investor's account (two houses may
  each have a "Growth Fund I"). Profiles without an owner account, kept by the commission,
  share one space of names.
- **Financing request: the company and the stage.** A company raises one round of a stage
  at a time; the title, summary, amount, sectors and event are how a roster describes that
  round, and they change between versions of the roster: those are what ``--update``
  changes. The owner account is not part of the key, so a roster may name a startup's
  account once it has one; an import never moves a request to another account.

Names (profile name, company) are compared as the reference data compares spellings
(``spelling_key``): full-width forms, letter case and runs of spaces do not make another
object. Stages and owners are compared as the codes and account ids they resolve to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any

from service.imports.columns import ImportKind
from service.reference_data.catalog import spelling_key

# One component per key field: a folded name, a code, an account id, or None (no owner).
Key = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class NaturalKey:
    fields: tuple[str, ...]  # the API fields that make the key, in order
    names: frozenset[str]  # compared by spelling, not character for character
    optional: frozenset[str]  # may be absent (no owner) and still make a key
    description: str  # for messages: "owner and name"
    noun: str  # what one row is: "investor profile"

    def of(self, values: Mapping[str, Any], unread: Set[str] = frozenset()) -> Key | None:
        """The key of a row's fields; None when a key field is missing or unreadable (that
        row has an error of its own)."""
        key: list[str | None] = []
        for field in self.fields:
            value = values.get(field)
            if field in unread or (value is None and field not in self.optional):
                return None
            if value is None:
                key.append(None)
            else:
                key.append(spelling_key(str(value)) if field in self.names else str(value))
        return tuple(key)


INVESTOR_KEY = NaturalKey(
    fields=("owner_account_id", "name"),
    names=frozenset({"name"}),
    optional=frozenset({"owner_account_id"}),
    description="owner and name",
    noun="investor profile",
)
REQUEST_KEY = NaturalKey(
    fields=("company", "stage"),
    names=frozenset({"company"}),
    optional=frozenset(),
    description="company and stage",
    noun="financing request",
)
KEYS: Mapping[ImportKind, NaturalKey] = {
    ImportKind.INVESTORS: INVESTOR_KEY,
    ImportKind.REQUESTS: REQUEST_KEY,
}


def rows_sharing_a_key(keys: Iterable[tuple[int, Key | None]]) -> dict[int, list[int]]:
    """For each row whose key another row of the file also has: those other rows."""
    rows_by_key: defaultdict[Key, list[int]] = defaultdict(list)
    for row, key in keys:
        if key is not None:
            rows_by_key[key].append(row)
    return {
        row: [other for other in rows if other != row]
        for rows in rows_by_key.values()
        if len(rows) > 1
        for row in rows
    }

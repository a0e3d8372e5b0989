"""Rows whose object is already stored: left as they are, or changed with ``--update``.

Decided before anything is written, in the validation's read-only session, by natural key
(``natural_keys``). Each valid row is:

- new: inserted;
- present, and the file says what is stored: counted, nothing written;
- present, and the file differs: left as stored and reported with the fields that differ,
  unless ``--update``; then changed through the service's own update (``writing``), which
  applies the rules of an edit over the API;
- with ``--update``, a row error when that change is not one the service allows: a request
  that is no longer editable, a row naming another owner than the stored request's, or a
  key that several stored objects share (which one to change is not the import's guess).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import (
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    InvestorProfileRegion,
    InvestorProfileSector,
    InvestorProfileStage,
    RequestStatus,
)
from service.financing_requests.service import EDITABLE
from service.imports.columns import ImportKind
from service.imports.natural_keys import KEYS, Key, NaturalKey
from service.imports.validation import RowError, ValidRow

SchemaT = TypeVar("SchemaT", bound=BaseModel)
# Keeps each IN list well under SQLite's and PostgreSQL's limits on bound parameters.
_LOAD_BATCH = 500


@dataclass(frozen=True, slots=True)
class StoredObject:
    id: str
    values: dict[str, Any]  # every compared field, as stored
    locked: str | None = None  # why its content cannot be edited now; None: it can


@dataclass(frozen=True, slots=True)
class Present:
    """A row whose object is stored and was left as it is."""

    row: int
    object_ids: tuple[str, ...]
    differences: tuple[str, ...]  # the columns where the file differs from what is stored


@dataclass(frozen=True, slots=True)
class PlannedUpdate(Generic[SchemaT]):
    row: ValidRow[SchemaT]
    object_id: str
    changes: dict[str, Any]  # only the fields that differ, with the file's values
    columns: tuple[str, ...]  # their headers in the file, for the report


@dataclass(slots=True)
class Plan(Generic[SchemaT]):
    new: list[ValidRow[SchemaT]] = field(default_factory=list)
    updates: list[PlannedUpdate[SchemaT]] = field(default_factory=list)
    present: list[Present] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Kind:
    key: NaturalKey
    model: type[InvestorProfile] | type[FinancingRequest]
    editable: tuple[str, ...]  # the fields --update may change (those of the API's update)
    fixed: tuple[str, ...]  # compared, never changed by an import
    load: Callable[[Session, Sequence[str]], list[StoredObject]]


# Stored objects are read as plain rows, not ORM objects: a file imported again compares
# every row with its object, and building ORM instances with their code rows took most of
# such a run (measured: 11 of 20 s for 20,000 requests on SQLite).


def _codes_by_object(
    session: Session,
    owner: InstrumentedAttribute[str],
    code: InstrumentedAttribute[str],
    ids: Sequence[str],
) -> defaultdict[str, list[str]]:
    """Each object's code rows of one kind, in order (as ``codes_of`` gives them)."""
    codes: defaultdict[str, list[str]] = defaultdict(list)
    for object_id, value in session.execute(
        select(owner, code).where(owner.in_(ids)).order_by(owner, code)
    ):
        codes[object_id].append(value)
    return codes


def _load_profiles(session: Session, ids: Sequence[str]) -> list[StoredObject]:
    profile = InvestorProfile
    sectors = _codes_by_object(
        session, InvestorProfileSector.investor_profile_id, InvestorProfileSector.code, ids
    )
    stages = _codes_by_object(
        session, InvestorProfileStage.investor_profile_id, InvestorProfileStage.code, ids
    )
    regions = _codes_by_object(
        session, InvestorProfileRegion.investor_profile_id, InvestorProfileRegion.code, ids
    )
    columns = (
        profile.name,
        profile.kind,
        profile.origin,
        profile.ticket_min,
        profile.ticket_max,
        profile.currency,
        profile.thesis,
    )
    return [
        StoredObject(
            object_id,
            {
                **{column.key: value for column, value in zip(columns, values, strict=True)},
                "sectors": sectors[object_id],
                "stages": stages[object_id],
                "regions": regions[object_id],
            },
        )
        for object_id, *values in session.execute(
            select(profile.id, *columns).where(profile.id.in_(ids))
        )
    ]


def _locked(status: RequestStatus) -> str | None:
    """Why a request's content cannot be edited in ``status``, as the service refuses it."""
    if status in EDITABLE:
        return None
    editable = ", ".join(sorted(state.value for state in EDITABLE))
    return (
        f"it is {status.value}, and only {editable} requests can be edited "
        "(withdraw it and file a new one)"
    )


def _load_requests(session: Session, ids: Sequence[str]) -> list[StoredObject]:
    request = FinancingRequest
    sectors = _codes_by_object(
        session, FinancingRequestSector.financing_request_id, FinancingRequestSector.code, ids
    )
    columns = (
        request.company,
        request.title,
        request.summary,
        request.title_en,
        request.summary_en,
        request.amount,
        request.currency,
        request.stage,
        request.region,
        request.event_id,
        request.owner_account_id,
    )
    return [
        StoredObject(
            object_id,
            {
                **{column.key: value for column, value in zip(columns, values, strict=True)},
                "sectors": sectors[object_id],
            },
            locked=_locked(status),
        )
        for object_id, status, *values in session.execute(
            select(request.id, request.status, *columns).where(request.id.in_(ids))
        )
    ]


_KINDS: Mapping[ImportKind, _Kind] = {
    ImportKind.INVESTORS: _Kind(
        key=KEYS[ImportKind.INVESTORS],
        model=InvestorProfile,
        editable=(
            "name",
            "kind",
            "origin",
            "sectors",
            "stages",
            "regions",
            "ticket_min",
            "ticket_max",
            "currency",
            "thesis",
        ),
        fixed=(),  # the owner is part of the key
        load=_load_profiles,
    ),
    ImportKind.REQUESTS: _Kind(
        key=KEYS[ImportKind.REQUESTS],
        model=FinancingRequest,
        editable=(
            "company",
            "title",
            "summary",
            "title_en",
            "summary_en",
            "sectors",
            "amount",
            "currency",
            "stage",
            "region",
            "event_id",
        ),
        fixed=("owner_account_id",),
        load=_load_requests,
    ),
}


def _stored_ids_by_key(session: Session, kind: _Kind) -> dict[Key, list[str]]:
    """Every stored object's key. Names are compared by spelling, which SQL cannot index,
    so the key columns of the whole table are read once (a few short columns a row)."""
    columns = [getattr(kind.model, name) for name in kind.key.fields]
    ids: defaultdict[Key, list[str]] = defaultdict(list)
    for object_id, *values in session.execute(select(kind.model.id, *columns)):
        key = kind.key.of(dict(zip(kind.key.fields, values, strict=True)))
        if key is not None:
            ids[key].append(object_id)
    return ids


def _file_value(data: BaseModel, name: str) -> Any:
    """A validated row's field as it would be stored: enums by value, codes in order."""
    value = getattr(data, name)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return sorted(value)
    return value


@dataclass(frozen=True, slots=True)
class _Comparison:
    """A row against each stored object with its key."""

    ids: list[str]
    differences: dict[str, list[str]]  # by object: editable fields where the file differs
    conflicts: dict[str, list[str]]  # by object: fixed fields where the file differs

    @property
    def same(self) -> bool:
        return not any(self.differences.values()) and not any(self.conflicts.values())

    def differing(self) -> set[str]:
        return {
            name
            for object_id in self.ids
            for name in (*self.differences[object_id], *self.conflicts[object_id])
        }


def _compare(
    row: BaseModel,
    ids: list[str],
    stored: Mapping[str, StoredObject],
    compared: Sequence[str],
    fixed: Sequence[str],
) -> _Comparison:
    wanted = {name: _file_value(row, name) for name in compared}
    # An empty owner cell claims no other owner: it is not compared.
    wanted_fixed = {name: value for name in fixed if (value := _file_value(row, name)) is not None}

    def differing(values: Mapping[str, Any], object_id: str) -> list[str]:
        return [name for name, value in values.items() if stored[object_id].values[name] != value]

    return _Comparison(
        ids,
        {object_id: differing(wanted, object_id) for object_id in ids},
        {object_id: differing(wanted_fixed, object_id) for object_id in ids},
    )


def _load_stored(session: Session, spec: _Kind, ids: set[str]) -> dict[str, StoredObject]:
    wanted = sorted(ids)
    stored: dict[str, StoredObject] = {}
    for start in range(0, len(wanted), _LOAD_BATCH):
        for found in spec.load(session, wanted[start : start + _LOAD_BATCH]):
            stored[found.id] = found
    return stored


def plan_writes(
    *,
    session: Session,
    kind: ImportKind,
    rows: Sequence[ValidRow[SchemaT]],
    headers: Mapping[str, str],
    update: bool,
) -> Plan[SchemaT]:
    """What to do with each valid row. ``headers``: the file's header for each API field it
    has a column for; only those fields are compared (a column the file lacks says nothing)."""
    spec = _KINDS[kind]
    ids_by_key = _stored_ids_by_key(session, spec)
    matches: dict[int, list[str]] = {}
    for row in rows:
        key = row.key or spec.key.of({name: getattr(row.data, name) for name in spec.key.fields})
        matches[row.row] = ids_by_key.get(key, []) if key is not None else []
    stored = _load_stored(session, spec, {i for ids in matches.values() for i in ids})
    compared = [name for name in spec.editable if name in headers]
    fixed = [name for name in spec.fixed if name in headers]

    plan: Plan[SchemaT] = Plan()
    for row in rows:
        # An object deleted since the keys were read is no longer there to compare with.
        ids = [object_id for object_id in matches[row.row] if object_id in stored]
        if not ids:
            plan.new.append(row)
            continue
        comparison = _compare(row.data, ids, stored, compared, fixed)
        if comparison.same:
            plan.present.append(Present(row.row, tuple(ids), ()))
        elif not update:
            differing = comparison.differing()
            differing_columns = tuple(
                headers[name] for name in (*spec.fixed, *spec.editable) if name in differing
            )
            plan.present.append(Present(row.row, tuple(ids), differing_columns))
        elif (error := _refusal(spec, row.row, comparison, stored, headers)) is not None:
            plan.errors.append(error)
        else:
            [object_id] = ids
            changes = {
                name: _file_value(row.data, name) for name in comparison.differences[object_id]
            }
            changed = tuple(headers[name] for name in changes)
            plan.updates.append(PlannedUpdate(row, object_id, changes, changed))
    return plan


def _refusal(
    spec: _Kind,
    row: int,
    comparison: _Comparison,
    stored: Mapping[str, StoredObject],
    headers: Mapping[str, str],
) -> RowError | None:
    """Why the row's object cannot be changed to the file's values; None if it can."""
    noun = spec.key.noun
    if len(comparison.ids) > 1:
        return RowError(
            row,
            "",
            f"{len(comparison.ids)} stored {noun}s have this {spec.key.description} "
            f"({', '.join(comparison.ids)}): the import cannot tell which one to update",
        )
    [object_id] = comparison.ids
    if comparison.conflicts[object_id]:
        name = comparison.conflicts[object_id][0]
        owner = stored[object_id].values[name] or "none"
        return RowError(
            row,
            headers[name],
            f"{noun} {object_id} belongs to account {owner}: an import never moves a "
            f"{noun} to another account",
        )
    locked = stored[object_id].locked
    if locked is not None:
        changed = ", ".join(headers[name] for name in comparison.differences[object_id])
        return RowError(row, "", f"{noun} {object_id} would change in {changed}, but {locked}")
    return None

"""Code rows (sectors, stages, regions) of profiles and requests: syncing and filtering."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from service.reference_data.catalog import get_reference_data


class CodeRow(Protocol):
    code: str


RowT = TypeVar("RowT", bound=CodeRow)


def sync_code_rows(rows: list[RowT], codes: Iterable[str], make_row: Callable[[str], RowT]) -> None:
    """Remove rows whose code is gone and add rows for new codes, keeping the rest."""
    wanted = set(codes)
    rows[:] = [row for row in rows if row.code in wanted]
    present = {row.code for row in rows}
    rows.extend(make_row(code) for code in sorted(wanted - present))


def codes_of(rows: Iterable[CodeRow]) -> list[str]:
    return sorted(row.code for row in rows)


def overlapping_sector(
    owner_id: InstrumentedAttribute[str],
    link_owner_id: InstrumentedAttribute[str],
    link_code: InstrumentedAttribute[str],
    sector: str,
) -> ColumnElement[bool]:
    """Owners with a sector row that is ``sector``, one of its parents or one of its children."""
    related = sorted(get_reference_data().related_sectors(sector))
    return owner_id.in_(select(link_owner_id).where(link_code.in_(related)))

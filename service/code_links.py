"""Keep a one-to-many list of code rows in step with a list of codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar


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

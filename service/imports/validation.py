"""Every row checked with the API's own create schemas and service checks, before any write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from models import Role
from service.financing_requests.schemas import FinancingRequestCreate
from service.http.problems import Invalid
from service.imports.amounts import EXAMPLES, AmountError, parse_amount, split_currency
from service.imports.codes import CodeReader, unknown_code_message
from service.imports.columns import (
    BoundColumn,
    CellKind,
    Column,
    ImportKind,
    bind_headers,
)
from service.imports.natural_keys import KEYS, Key, NaturalKey, rows_sharing_a_key
from service.imports.reading import Table
from service.imports.references import EventDirectory, OwnerDirectory, UnknownReference
from service.investors.schemas import InvestorCreate
from service.investors.service import check_ticket_range
from service.reference_data.catalog import get_reference_data

SchemaT = TypeVar("SchemaT", bound=BaseModel)
PROGRESS_EVERY = 1000


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str  # the header as written in the file; empty for the row as a whole
    message: str
    # For an unknown code: the valid ones, listed once under the report, not per row.
    allowed: tuple[str, ...] = ()
    # What went wrong as a code and its values, for a page to word in its reader's language
    # (``message`` is the English of the command line, the API and the error file); empty
    # where only the message says it.
    code: str = ""
    values: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ValidRow(Generic[SchemaT]):
    row: int
    data: SchemaT
    key: Key | None = None  # its natural key, computed once (``natural_keys``)


@dataclass(slots=True)
class Validated(Generic[SchemaT]):
    valid: list[ValidRow[SchemaT]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # The API fields the file has columns for, each with its header as written.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnknownValue:
    message: str
    values: tuple[tuple[str, str], ...]
    """kind, written and (in a list of codes) item: the 1-based position."""


class UnknownCodes(ValueError):
    """Values of a coded cell that name no code, with the valid codes."""

    def __init__(self, problems: list[UnknownValue], allowed: tuple[str, ...]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems
        self.allowed = allowed


class _RowReader:
    """Turns one row's cells into the API's JSON-like input, collecting cell errors."""

    def __init__(
        self,
        columns: list[BoundColumn],
        *,
        owners: OwnerDirectory,
        events: EventDirectory,
        codes: CodeReader,
        width: int,
    ) -> None:
        self.columns = columns
        self.owners = owners
        self.events = events
        self.codes = codes
        self.width = width
        self.header_of = {c.column.field: c.header for c in columns}

    def read(
        self, number: int, cells: Sequence[str]
    ) -> tuple[dict[str, Any], list[RowError], set[str]]:
        """The row's fields, its errors, and the fields whose cells could not be read (left
        out of the fields, so the schema's "required" about them would say nothing new)."""
        data: dict[str, Any] = {}
        errors: list[RowError] = []
        unread: set[str] = set()
        if any(cell.strip() for cell in cells[self.width :]):
            errors.append(
                RowError(
                    number,
                    "",
                    f"the row has {len(cells)} cells but row 1 names {self.width} columns "
                    "(a cell holding a comma must be in double quotes)",
                    code="row_width",
                    values=(("cells", str(len(cells))), ("columns", str(self.width))),
                )
            )
        for bound in self.columns:
            raw = cells[bound.position] if bound.position < len(cells) else ""
            text = raw.strip()
            if not text:
                continue  # as if the field were left out of a JSON body
            try:
                data[bound.column.field] = self._value(bound.column, text)
            except AmountError:
                errors.append(
                    RowError(
                        number,
                        bound.header,
                        f"'{text}' is not an amount; write it as {EXAMPLES}",
                        code="amount",
                        values=(("text", text),),
                    )
                )
                unread.add(bound.column.field)
            except UnknownReference as error:
                errors.append(
                    RowError(number, bound.header, str(error), code=error.code, values=error.values)
                )
                unread.add(bound.column.field)
            except UnknownCodes as error:
                errors += [
                    RowError(
                        number,
                        bound.header,
                        problem.message,
                        error.allowed,
                        code="unknown_code",
                        values=problem.values,
                    )
                    for problem in error.problems
                ]
                unread.add(bound.column.field)
        errors += self._currency_said_apart(number, cells, data, unread)
        return data, errors, unread

    def _currency_said_apart(
        self, number: int, cells: Sequence[str], data: dict[str, Any], unread: set[str]
    ) -> list[RowError]:
        """An amount written in yuan (30亿元) in a row whose currency is another: read as that
        currency, it would be off by the exchange rate, so the row is refused instead."""
        if "currency" in unread:
            return []
        currency = str(data.get("currency") or "CNY")
        refused = []
        for bound in self.columns:
            if bound.column.cell is not CellKind.AMOUNT or bound.column.field in unread:
                continue
            text = cells[bound.position].strip() if bound.position < len(cells) else ""
            _, named = split_currency(text) if text else ("", frozenset[str]())
            if named and currency not in named:
                refused.append(
                    RowError(
                        number,
                        bound.header,
                        f"'{text}' is an amount in {'/'.join(sorted(named))} but the row's "
                        f"currency is {currency}",
                        code="currency_mismatch",
                        values=(("text", text), ("currency", currency)),
                    )
                )
                unread.add(bound.column.field)
        return refused

    def _value(self, column: Column, text: str) -> Any:
        cell = column.cell
        if cell is CellKind.TEXT:
            return text
        if cell is CellKind.AMOUNT:
            return parse_amount(text)
        if cell is CellKind.OWNER:
            return self.owners.resolve(text)
        if cell is CellKind.EVENT:
            return self.events.resolve(text)
        kind = column.code_kind
        assert kind is not None, f"column {column.header} names its reference table"
        if cell is CellKind.CODE:
            code = self.codes.one(kind, text)
            if code is None:
                problem = UnknownValue(
                    unknown_code_message(kind, text), (("kind", kind), ("written", text))
                )
                raise UnknownCodes([problem], self.codes.allowed(kind))
            return code
        items = self.codes.many(kind, text)
        unknown = [
            UnknownValue(
                f"item {position}: {unknown_code_message(kind, item.written)}",
                (("kind", kind), ("written", item.written), ("item", str(position))),
            )
            for position, item in enumerate(items, start=1)
            if item.code is None
        ]
        if unknown:
            raise UnknownCodes(unknown, self.codes.allowed(kind))
        return [item.code for item in items]

    def schema_errors(self, number: int, error: ValidationError, skip: set[str]) -> list[RowError]:
        found = []
        for detail in error.errors():
            location = detail["loc"]
            name = str(location[0]) if location else ""
            if name in skip:
                continue
            context = detail.get("ctx") or {}
            allowed = tuple(context.get("allowed") or ())
            values = tuple(
                (key, str(value))
                for key, value in context.items()
                if isinstance(value, (str, int, float, Decimal))
            )
            if len(location) > 1 and isinstance(location[1], int):
                values += (("item", str(location[1] + 1)),)
            if detail["type"] == "missing":
                message = "required; the cell is empty"
            elif allowed and "kind" in context and "value" in context:
                # The cells are read against the same reference data, so this is only met
                # if it changes under a running import; worded as the reader words it.
                message = unknown_code_message(str(context["kind"]), str(context["value"]))
            else:
                message = detail["msg"]
            if len(location) > 1 and isinstance(location[1], int):
                message = f"item {location[1] + 1}: {message}"
            found.append(
                RowError(
                    number,
                    self.header_of.get(name, name),
                    message,
                    allowed,
                    code=str(detail["type"]),
                    values=values,
                )
            )
        return found

    def service_errors(self, number: int, error: Invalid) -> list[RowError]:
        return [
            RowError(number, self.header_of.get(p.field, p.field), p.message, code=p.code)
            for p in error.errors or []
        ] or [RowError(number, "", error.detail or str(error))]


def _validate(
    *,
    session: Session,
    table: Table,
    kind: ImportKind,
    schema: type[SchemaT],
    owner_role: Role,
    service_check: Callable[[SchemaT], None],
    on_progress: Callable[[int], None],
) -> Validated[SchemaT]:
    key = KEYS[kind]
    columns = bind_headers(kind, table.headers)
    reader = _RowReader(
        columns,
        owners=OwnerDirectory(
            session=session, role=owner_role, references=_cells(table, columns, CellKind.OWNER)
        ),
        events=EventDirectory(session=session, references=_cells(table, columns, CellKind.EVENT)),
        codes=CodeReader(get_reference_data()),
        width=len(table.headers),
    )
    result: Validated[SchemaT] = Validated(headers=dict(reader.header_of))
    keys: list[tuple[int, Key | None]] = []
    for done, row in enumerate(table.rows, start=1):
        data, errors, unread = reader.read(row.number, row.cells)
        row_key = key.of(data, unread)
        keys.append((row.number, row_key))
        try:
            model = schema.model_validate(data)
        except ValidationError as error:
            errors.extend(reader.schema_errors(row.number, error, skip=unread))
        else:
            try:
                service_check(model)
            except Invalid as error:
                errors.extend(reader.service_errors(row.number, error))
            if not errors:
                result.valid.append(ValidRow(row.number, model, row_key))
        result.errors.extend(errors)
        if done % PROGRESS_EVERY == 0:
            on_progress(PROGRESS_EVERY)
    on_progress(len(table.rows) % PROGRESS_EVERY)
    _refuse_repeated_keys(result, key, keys)
    return result


def _refuse_repeated_keys(
    result: Validated[SchemaT], key: NaturalKey, keys: list[tuple[int, Key | None]]
) -> None:
    """Rows of one file that describe the same object are all errors, invalid rows
    included: which of them is right is the officer's call, not the order of the rows."""
    repeated = rows_sharing_a_key(keys)
    if not repeated:
        return
    for row, others in repeated.items():
        listed = ("rows " if len(others) > 1 else "row ") + ", ".join(map(str, others))
        result.errors.append(
            RowError(
                row,
                "",
                f"same {key.description} as {listed}: a file may describe each "
                f"{key.noun} once (keep one of these rows)",
                code="duplicate_row",
                values=(("rows", ", ".join(map(str, others))),),
            )
        )
    result.valid = [row for row in result.valid if row.row not in repeated]
    result.errors.sort(key=lambda error: error.row)  # stable: a row's errors keep their order


def _cells(table: Table, columns: list[BoundColumn], cell: CellKind) -> list[str]:
    """Every row's text in the column of this kind, if the file has one."""
    column = next((c for c in columns if c.column.cell is cell), None)
    if column is None:
        return []
    position = column.position
    return [row.cells[position].strip() for row in table.rows if position < len(row.cells)]


def _investor_checks(data: InvestorCreate) -> None:
    check_ticket_range(data.ticket_min, data.ticket_max)


def _no_request_checks(_data: FinancingRequestCreate) -> None:
    """Requests have no cross-field checks beyond their schema and their owner."""


def validate_investors(
    *, session: Session, table: Table, on_progress: Callable[[int], None]
) -> Validated[InvestorCreate]:
    return _validate(
        session=session,
        table=table,
        kind=ImportKind.INVESTORS,
        schema=InvestorCreate,
        owner_role=Role.INVESTOR,
        service_check=_investor_checks,
        on_progress=on_progress,
    )


def validate_requests(
    *, session: Session, table: Table, on_progress: Callable[[int], None]
) -> Validated[FinancingRequestCreate]:
    return _validate(
        session=session,
        table=table,
        kind=ImportKind.REQUESTS,
        schema=FinancingRequestCreate,
        owner_role=Role.STARTUP,
        service_check=_no_request_checks,
        on_progress=on_progress,
    )

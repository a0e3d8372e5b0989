"""Which columns a file may have: the API's field names, with Chinese aliases."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from service.reference_data.catalog import CodeKind


class ImportKind(StrEnum):
    INVESTORS = "investors"
    REQUESTS = "requests"


class CellKind(StrEnum):
    TEXT = "text"  # kept as written (names, free text)
    CODE = "code"  # a taxonomy or enum code, or its Chinese or English name
    CODES = "codes"  # a list of codes or names in one cell
    AMOUNT = "amount"  # an exact amount (see amounts.parse_amount)
    OWNER = "owner"  # an account id or name (see references)
    EVENT = "event"  # an event id or name (see references)


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # the canonical header
    field: str  # the API field it fills (also accepted as a header)
    cell: CellKind
    required: bool
    aliases: tuple[str, ...] = ()
    code_kind: CodeKind | None = None  # for CODE and CODES cells: the reference table


def _column(
    header: str, cell: CellKind, required: bool, aliases: tuple[str, ...], field: str = ""
) -> Column:
    return Column(header, field or header, cell, required, aliases)


def _coded(
    header: str, kind: CodeKind, cell: CellKind, required: bool, aliases: tuple[str, ...]
) -> Column:
    return Column(header, header, cell, required, aliases, code_kind=kind)


OWNER = _column("owner", CellKind.OWNER, False, ("账户", "所属账户"), "owner_account_id")

INVESTOR_COLUMNS = (
    _column("name", CellKind.TEXT, True, ("名称", "机构名称", "投资机构", "投资方")),
    _coded("kind", "investor_kind", CellKind.CODE, True, ("类型", "机构类型")),
    _coded("origin", "origin", CellKind.CODE, True, ("来源", "资本来源", "内外资")),
    _coded("sectors", "sector", CellKind.CODES, True, ("行业", "投资行业", "领域")),
    _coded("stages", "stage", CellKind.CODES, True, ("阶段", "投资阶段")),
    _coded("regions", "region", CellKind.CODES, False, ("区域", "地区", "关注区域")),
    _column("ticket_min", CellKind.AMOUNT, True, ("最低投资额", "单笔最低", "最小金额")),
    _column("ticket_max", CellKind.AMOUNT, True, ("最高投资额", "单笔最高", "最大金额")),
    _coded("currency", "currency", CellKind.CODE, False, ("币种", "货币")),
    _column("thesis", CellKind.TEXT, False, ("投资逻辑", "投资方向", "投资理念")),
    OWNER,
)

REQUEST_COLUMNS = (
    _column("company", CellKind.TEXT, True, ("企业", "企业名称", "公司", "公司名称")),
    _column("title", CellKind.TEXT, True, ("项目", "项目名称", "标题")),
    _column("summary", CellKind.TEXT, False, ("简介", "项目简介", "摘要")),
    _column("title_en", CellKind.TEXT, False, ("英文项目名称", "英文标题", "English title")),
    _column("summary_en", CellKind.TEXT, False, ("英文摘要", "英文简介", "English summary")),
    _coded("sectors", "sector", CellKind.CODES, True, ("行业", "所属行业", "领域")),
    _column("amount", CellKind.AMOUNT, True, ("金额", "融资金额", "拟融资金额")),
    _coded("currency", "currency", CellKind.CODE, False, ("币种", "货币")),
    _coded("stage", "stage", CellKind.CODE, True, ("阶段", "融资阶段", "轮次")),
    _coded("region", "region", CellKind.CODE, False, ("区域", "地区", "所在区")),
    _column("event", CellKind.EVENT, False, ("活动", "会议", "推介会"), "event_id"),
    OWNER,
)

COLUMNS: Mapping[ImportKind, tuple[Column, ...]] = {
    ImportKind.INVESTORS: INVESTOR_COLUMNS,
    ImportKind.REQUESTS: REQUEST_COLUMNS,
}


class BadHeaders(ValueError):
    """Row 1 does not name the columns of this kind of file: which headers are unknown,
    which pairs mean the same column, which required columns are missing (kept apart, for
    a page to word them in its reader's language)."""

    def __init__(
        self,
        message: str,
        *,
        kind: ImportKind,
        unknown: tuple[str, ...] = (),
        repeated: tuple[tuple[str, str], ...] = (),
        missing: tuple[Column, ...] = (),
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.unknown = unknown
        self.repeated = repeated
        self.missing = missing


def normalise_header(header: str) -> str:
    """``Ticket Min``, ``ticket-min`` and ``ticket_min`` are one column; full-width folded."""
    folded = unicodedata.normalize("NFKC", header).strip().lower()
    return "_".join(folded.replace("-", " ").split())


# The column an error file adds before the failed rows (``error_file``). Its header is
# skipped on import, so a corrected error file imports as it stands.
ERROR_COLUMN = "导入错误 import errors"
_ERROR_COLUMN_HEADERS = frozenset(
    normalise_header(name) for name in (ERROR_COLUMN, "导入错误", "import errors")
)


def is_error_column(header: str) -> bool:
    return normalise_header(header) in _ERROR_COLUMN_HEADERS


@dataclass(frozen=True, slots=True)
class BoundColumn:
    column: Column
    position: int  # index of the cell in each row
    header: str  # as written in the file, for the error report


def bind_headers(kind: ImportKind, headers: list[str]) -> list[BoundColumn]:
    """Each file column's meaning; unknown, repeated or missing required columns refuse
    the whole file, like unknown fields in an API request."""
    columns = COLUMNS[kind]
    by_name = {
        normalise_header(name): c for c in columns for name in (c.header, c.field, *c.aliases)
    }
    bound: list[BoundColumn] = []
    problems: list[str] = []
    unknown: list[str] = []
    repeated: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for position, header in enumerate(headers):
        if not header:
            continue  # an unnamed spare column, often left by spreadsheet software
        if is_error_column(header):
            continue  # a previous run's error messages, not data
        column = by_name.get(normalise_header(header))
        if column is None:
            problems.append(f"unknown column '{header}'")
            unknown.append(header)
            continue
        if column.field in seen:
            problems.append(
                f"columns '{seen[column.field]}' and '{header}' both mean {column.header}"
            )
            repeated.append((seen[column.field], header))
            continue
        seen[column.field] = header
        bound.append(BoundColumn(column=column, position=position, header=header))
    missing = tuple(c for c in columns if c.required and c.field not in seen)
    if missing:
        problems.append(f"missing required column(s): {', '.join(c.header for c in missing)}")
    if problems:
        raise BadHeaders(
            "; ".join(problems) + f". Columns for {kind.value}: {describe_columns(kind)}",
            kind=kind,
            unknown=tuple(unknown),
            repeated=tuple(repeated),
            missing=missing,
        )
    return bound


def describe_columns(kind: ImportKind) -> str:
    return ", ".join(f"{c.header}{'' if c.required else ' (optional)'}" for c in COLUMNS[kind])

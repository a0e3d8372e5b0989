"""The rows an import refused, written beside its file for the officer to correct.

``roster.csv`` gives ``roster.errors.csv`` and ``roster.xlsx`` gives ``roster.errors.xlsx``:
a first column (``ERROR_COLUMN``) says what is wrong with each row, one problem a line; the
other columns are the file's own, every cell exactly as it was read, and a CSV is written
in the encoding it was read in, so it opens in a spreadsheet as the input did. The import
skips that first column: the corrected file imports as it stands.

Each run rewrites the error file of its input, and a run without row errors removes it:
left in place, it would describe rows that are now imported. A file refused as a whole
(unreadable, wrong columns) leaves it alone, as no row was checked.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.imports.columns import ERROR_COLUMN, is_error_column
from service.imports.reading import EXCEL_SUFFIXES, Table
from service.imports.validation import RowError


def error_file_path(source: Path) -> Path:
    """Beside ``source``: its name with ``.errors`` before a ``.csv`` or ``.xlsx`` suffix."""
    suffix = ".xlsx" if source.suffix.lower() in EXCEL_SUFFIXES else ".csv"
    return source.with_name(f"{source.stem}.errors{suffix}")


def _problem(error: RowError) -> str:
    return f"{error.column}: {error.message}" if error.column else error.message


def _failed_rows(table: Table, errors: Sequence[RowError]) -> list[list[str]]:
    """The header and each refused row, the problems first; an earlier error column left
    out, so a corrected error file that fails again gets only the new messages."""
    problems: defaultdict[int, list[str]] = defaultdict(list)
    for error in errors:
        problems[error.row].append(_problem(error))
    stale = {position for position, header in enumerate(table.headers) if is_error_column(header)}

    def kept(cells: Sequence[str]) -> list[str]:
        return [cell for position, cell in enumerate(cells) if position not in stale]

    rows = [[ERROR_COLUMN, *kept(table.headers)]]
    rows += [
        ["\n".join(problems[row.number]), *kept(row.cells)]
        for row in table.rows
        if row.number in problems
    ]
    return rows


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)


def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
    # Imported here, as in ``reading``: only workbooks need it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("errors")
    for row in rows:
        cells: list[Any] = []
        for text in row:
            cell = WriteOnlyCell(sheet, value=text)
            # openpyxl takes text starting with "=" for a formula; the officer typed it.
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    workbook.save(path)


def write_error_file(source: Path, table: Table, errors: Sequence[RowError]) -> Path:
    """Write the refused rows beside ``source``; return where. Written to a temporary name
    first, so an interrupted run never leaves half a file under the real one."""
    path = error_file_path(source)
    partial = path.with_name(f".{path.name}.partial")
    rows = _failed_rows(table, errors)
    try:
        if path.suffix == ".xlsx":
            _write_xlsx(partial, rows)
        else:
            _write_csv(partial, rows, table.encoding)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def remove_error_file(source: Path) -> Path | None:
    """Remove an earlier run's error file of ``source``; return it if there was one."""
    path = error_file_path(source)
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return path

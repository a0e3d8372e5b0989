"""Rows of a CSV or Excel (.xlsx) file as text cells, numbered as a spreadsheet shows them."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})


class UnreadableFile(ValueError):
    """The file as a whole cannot be read: nothing of it is imported. ``code`` says why,
    for a page to word it in its reader's language."""

    def __init__(self, message: str, code: str, **values: str) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int  # the row number a spreadsheet shows; the header is row 1
    cells: list[str]


@dataclass(frozen=True, slots=True)
class Table:
    headers: list[str]
    rows: list[SourceRow]
    encoding: str  # how the file was decoded: a text encoding, or "xlsx"


def decode_csv_bytes(raw: bytes) -> tuple[str, str]:
    """The text and the encoding: a UTF-8 BOM, else strict UTF-8, else GB18030.

    Strict UTF-8 first because GB18030 decodes almost any bytes into something, while
    Chinese text in GB18030 is practically never valid UTF-8.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"The file is neither UTF-8 nor GB18030 text (byte {error.start}); "
            "save it as CSV UTF-8 or as an .xlsx workbook.",
            "encoding",
            byte=str(error.start),
        ) from error


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _table(records: Iterator[list[str]], encoding: str) -> Table:
    headers: list[str] | None = None
    rows: list[SourceRow] = []
    for number, cells in enumerate(records, start=1):
        if headers is None:
            if _is_blank(cells):
                raise UnreadableFile("Row 1 must hold the column names.", "no_header")
            headers = [cell.strip() for cell in cells]
            continue
        if not _is_blank(cells):
            rows.append(SourceRow(number=number, cells=cells))
    if headers is None:
        raise UnreadableFile("The file is empty; row 1 must hold the column names.", "empty")
    return Table(headers=headers, rows=rows, encoding=encoding)


def read_csv(path: Path) -> Table:
    text, encoding = decode_csv_bytes(path.read_bytes())
    try:
        return _table(csv.reader(io.StringIO(text, newline="")), encoding)
    except csv.Error as error:
        raise UnreadableFile(f"Not a valid CSV file: {error}", "not_csv") from error


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person typed: whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Excel keeps every number as a double; its shortest repr is what was typed
        # (the API takes JSON floats the same way). Never rounded through arithmetic.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


PROGRESS_EVERY = 1000


def read_xlsx(path: Path, on_rows: Callable[[int], None] | None = None) -> Table:
    """The first worksheet; formulas count by their last computed value."""
    # Imported here: only workbooks need it, and every ``matchmaker`` command loads this module.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError, ValueError...
        raise UnreadableFile(f"Not a readable .xlsx workbook: {error}", "not_xlsx") from error
    try:
        sheet = workbook.worksheets[0]

        def records() -> Iterator[list[str]]:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if on_rows is not None and number % PROGRESS_EVERY == 0:
                    on_rows(PROGRESS_EVERY)
                yield [cell_text(value) for value in values]

        return _table(records(), "xlsx")
    finally:
        workbook.close()


def read_table(path: Path, on_rows: Callable[[int], None] | None = None) -> Table:
    """A CSV file or an Excel workbook, by its suffix; ``on_rows`` follows a slow read."""
    if not path.is_file():
        raise UnreadableFile(f"No file {path}.", "no_file")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return read_xlsx(path, on_rows)
    return read_csv(path)

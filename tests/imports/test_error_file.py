"""The refused rows land beside the file, as read plus their errors, ready to correct and import."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models import FinancingRequest
from service.imports.columns import ERROR_COLUMN
from tests.imports.support import (
    CIXTECH,
    QBOSON,
    REQUEST_HEADERS,
    STEPFUN,
    count_rows,
    run_import,
    stored_requests,
    write_csv,
    write_xlsx,
)

# Two bad rows among five: an amount that is a typo, a sector nobody knows. Their cells hold
# what a spreadsheet would keep as typed: spaces, a leading "=", Chinese punctuation.
TYPO = ["Typo Co ", "=Bad amount", "", "人工智能", "30亿亿", "seed", "", ""]
CRYPTO = ["Crypto Co", "Tokens，coins", "", "区块链", "1亿", "B轮", "徐汇区", ""]
ROSTER = [STEPFUN, TYPO, CIXTECH, CRYPTO, QBOSON]


def _read_csv(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def _read_xlsx(path: Path) -> list[list[str]]:
    workbook = load_workbook(path, read_only=True, data_only=True)  # as the import reads
    try:
        return [
            ["" if value is None else str(value) for value in row]
            for row in workbook.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def _save_xlsx(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """A workbook of text cells, as a spreadsheet keeps cells typed as text: openpyxl
    would otherwise take "=Bad amount" for a formula (and a reader would see no value)."""
    write_xlsx(path, rows[0], rows[1:])
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    workbook.save(path)
    return path


def _corrected(rows: list[list[str]]) -> list[list[str]]:
    """The officer's corrections: a real amount for the typo, a known sector for Crypto Co.
    The stale messages stay in the error column: the import skips it."""
    header, *body = rows
    amount, sectors = header.index("amount"), header.index("sectors")
    fixed = [list(row) for row in body]
    fixed[0][amount] = "3亿"
    fixed[1][sectors] = "金融科技与支付"
    return [header, *fixed]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_error_file_holds_the_refused_rows_as_read(
    scratch_url: str, tmp_path: Path, encoding: str
) -> None:
    roster = write_csv(tmp_path / "roster.csv", REQUEST_HEADERS, ROSTER, encoding)
    result = run_import("requests", roster, "--skip-invalid")
    assert result.exit_code == 0, result.output
    error_file = tmp_path / "roster.errors.csv"
    assert (
        f"The skipped rows, each with its errors, are in {error_file}: correct them there and "
        "import that file." in result.stdout
    )
    assert error_file.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    rows = _read_csv(error_file, "utf-8-sig" if encoding == "utf-8-sig" else encoding)
    assert rows[0] == [ERROR_COLUMN, *REQUEST_HEADERS]
    assert [row[1:] for row in rows[1:]] == [TYPO, CRYPTO]  # exactly as read, nothing else
    assert rows[1][0].startswith("amount: '30亿亿' is not an amount")
    assert rows[2][0] == (
        "sectors: item 1: unknown sector '区块链': write a code or its Chinese or English name"
    )
    assert count_rows(scratch_url, FinancingRequest) == 3

    write_csv(error_file, rows[0], _corrected(rows)[1:], encoding)
    again = run_import("requests", error_file)
    assert again.exit_code == 0, again.output
    assert "imported 2 financing requests" in again.stdout
    stored = stored_requests(scratch_url)
    assert len(stored) == 5
    assert stored["Typo Co"].title == "=Bad amount"
    assert stored["Crypto Co"].stage == "series_b"
    assert not (tmp_path / "roster.errors.errors.csv").exists()


def test_an_xlsx_error_file_holds_the_refused_rows_as_read(
    scratch_url: str, tmp_path: Path
) -> None:
    roster = _save_xlsx(tmp_path / "roster.xlsx", [REQUEST_HEADERS, *ROSTER])
    result = run_import("requests", roster, "--skip-invalid")
    assert result.exit_code == 0, result.output
    error_file = tmp_path / "roster.errors.xlsx"
    assert str(error_file) in result.stdout
    rows = _read_xlsx(error_file)
    assert rows[0] == [ERROR_COLUMN, *REQUEST_HEADERS]
    # "=Bad amount" is still text, not a formula: the error file keeps what the officer typed.
    assert [row[1:] for row in rows[1:]] == [TYPO, CRYPTO]
    assert "unknown sector '区块链'" in rows[2][0]

    _save_xlsx(error_file, _corrected(rows))
    again = run_import("requests", error_file)
    assert again.exit_code == 0, again.output
    assert count_rows(scratch_url, FinancingRequest) == 5


def test_all_or_nothing_writes_the_error_file_and_nothing_else(
    scratch_url: str, tmp_path: Path
) -> None:
    roster = write_csv(tmp_path / "roster.csv", REQUEST_HEADERS, ROSTER, "utf-8")
    result = run_import("requests", roster)
    assert result.exit_code == 1
    assert count_rows(scratch_url, FinancingRequest) == 0
    lines = result.stdout.splitlines()
    error_file = tmp_path / "roster.errors.csv"
    assert lines[-2] == f"The rejected rows, each with its errors, are in {error_file}."
    assert lines[-1].endswith(
        f"2 rows rejected. Nothing was written: correct them in {roster} and import it again, "
        f"or pass --skip-invalid to write only the valid rows now, then correct {error_file} "
        "and import it."
    )
    rows = _read_csv(tmp_path / "roster.errors.csv", "utf-8")
    assert [row[1:] for row in rows[1:]] == [TYPO, CRYPTO]


def test_a_clean_run_removes_the_error_file_of_an_earlier_one(
    scratch_url: str, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    write_csv(roster, REQUEST_HEADERS, ROSTER, "utf-8")
    assert run_import("requests", roster).exit_code == 1
    error_file = tmp_path / "roster.errors.csv"
    assert error_file.exists()

    write_csv(roster, REQUEST_HEADERS, [STEPFUN, CIXTECH, QBOSON], "utf-8")
    result = run_import("requests", roster)
    assert result.exit_code == 0, result.output
    assert not error_file.exists()
    assert f"Removed {error_file}: it listed an earlier run's errors." in result.stdout


def test_no_error_file_for_a_file_refused_as_a_whole(scratch_url: str, tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "roster.csv", ["company", "ammount"], [["X", "1"]], "utf-8")
    assert run_import("requests", roster).exit_code == 2
    assert list(tmp_path.glob("*.errors.*")) == []

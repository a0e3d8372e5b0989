"""An import's row problems in the reader's language. The service words them in English for
the command line, the API and the error file; each carries a code and its values, from
which this page writes them again (a problem without a code keeps its English)."""

from __future__ import annotations

from service.i18n.catalogs import translate
from service.i18n.languages import current_language, joined
from service.i18n.reasons import N_
from service.imports.columns import COLUMNS, BadHeaders, Column, ImportKind
from service.imports.reading import UnreadableFile
from service.imports.validation import RowError
from service.web.forms import message_for

_PROBLEMS = {
    "amount": N_(
        "“%(text)s” is not an amount: write it as 50m, 3.5 billion or 3,000,000,000 (Chinese "
        "units such as 30亿 or 5000万 work too)."
    ),
    "currency_mismatch": N_(
        "“%(text)s” is an amount in yuan but the row's currency is %(currency)s: write the "
        "amount alone, or change the row's currency."
    ),
    "unknown_code": N_(
        "“%(written)s” is not a known %(kind)s: write its code, or its Chinese or English name."
    ),
    "ambiguous_account": N_(
        "%(count)s accounts are named “%(written)s”: write the account's id instead."
    ),
    "unknown_account": N_("No account has the id or name “%(written)s”."),
    "account_of_another_role": N_(
        "The account “%(written)s” is not of the kind this import is for."
    ),
    "unknown_event": N_(
        "No event has the id or name “%(written)s”: create the event first, on the Events page."
    ),
    "row_width": N_(
        "This row has %(cells)s cells but the first row names %(columns)s columns: a cell "
        "holding a comma must be in double quotes."
    ),
    "duplicate_row": N_("This row describes the same one as row %(rows)s: keep only one."),
    "missing": N_("Required: the cell is empty."),
}
_KINDS = {
    "sector": N_("sector"),
    "stage": N_("stage"),
    "region": N_("region"),
    "currency": N_("currency"),
    "investor_kind": N_("kind of investor"),
    "origin": N_("origin"),
}


def row_problem(error: RowError) -> str:
    """What is wrong with the row, for the officer who fixes the file."""
    values = dict(error.values)
    if "kind" in values:
        values["kind"] = translate(_KINDS.get(values["kind"], values["kind"]))
    text = _PROBLEMS.get(error.code)
    message = translate(text) % values if text is not None else message_for(error.code, values)
    if message is None:
        return error.message
    if "item" in values:
        return translate("Item %(item)s: %(problem)s") % {
            "item": values["item"],
            "problem": message,
        }
    return message


_UNREADABLE = {
    "encoding": N_(
        "The file is neither UTF-8 nor GB18030 text (at byte %(byte)s): save it as “CSV UTF-8” "
        "or as an .xlsx workbook."
    ),
    "no_header": N_("Row 1 must hold the column names."),
    "empty": N_("The file is empty: row 1 must hold the column names."),
    "not_csv": N_("This is not a CSV file that can be read."),
    "not_xlsx": N_("This is not an .xlsx workbook that can be read."),
}


def column_name(column: Column) -> str:
    """A column as the officer may write it: its Chinese name and its code, 企业（company）."""
    if current_language() == "zh" and column.aliases:
        return f"{column.aliases[0]}（{column.header}）"
    return column.header


def columns_of(kind: ImportKind) -> list[tuple[str, bool]]:
    """The columns a file of ``kind`` may have, each with whether it is required."""
    return [(column_name(column), column.required) for column in COLUMNS[kind]]


def file_problem(problem: UnreadableFile | BadHeaders) -> str:
    """Why the whole file was refused, in the reader's language."""
    if isinstance(problem, UnreadableFile):
        text = _UNREADABLE.get(problem.code)
        return str(problem) if text is None else translate(text) % problem.values
    said: list[str] = []
    if problem.unknown:
        names = joined(f"“{header}”" for header in problem.unknown)
        said.append(
            translate("Columns this kind of file does not have: %(names)s.") % {"names": names}
        )
    for first, second in problem.repeated:
        said.append(
            translate("The columns “%(first)s” and “%(second)s” mean the same; keep one.")
            % {"first": first, "second": second}
        )
    if problem.missing:
        names = joined(column_name(column) for column in problem.missing)
        said.append(translate("Required columns missing: %(names)s.") % {"names": names})
    return " ".join(said) or str(problem)

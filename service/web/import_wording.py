"""An import's row problems in the reader's language. The service words them in English for
the command line, the API and the error file; each carries a code and its values, from
which this page writes them again (a problem without a code keeps its English)."""

from __future__ import annotations

from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.imports.validation import RowError
from service.web.forms import message_for

_PROBLEMS = {
    "amount": N_(
        "“%(text)s” is not an amount: write it as 30亿, 5000万, 1.5亿, 12亿5000万 or 3,000,000,000."
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

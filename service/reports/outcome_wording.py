"""The outcome figures of a report as its readers get them: each row's name in the reader's
language, rates as percentages, the breakdowns' headings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from service.i18n.reasons import N_
from service.reference_data.catalog import CodeKind
from service.reports.document import OutcomeBreakdown, OutcomeFigure
from service.reports.wording import Wording

NO_KEY = "none"
_HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")
HEADINGS = {
    "event": N_("By event"),
    "sector": N_("By sector"),
    "region": N_("By region"),
    "origin": N_("By investor origin"),
}
NOT_STATED = N_("Not stated")
_KINDS: dict[str, CodeKind] = {"sector": "sector", "region": "region", "origin": "origin"}


def rate_text(rate: Decimal | None) -> str:
    """A rate kept with four places, as a percentage with one: 0.6667 is 66.7%, 0.5405
    (20 of 37) is 54.1%, half up as people round, not to the even neighbour."""
    if rate is None:
        return "—"
    return f"{(rate * _HUNDRED).quantize(_TENTH, rounding=ROUND_HALF_UP)}%"


def row_name(words: Wording, by: str, figure: OutcomeFigure) -> str:
    """The row's name: the event's as stored (its English name for an English reader, where
    it has one), a code's in the reader's language."""
    if figure.key == NO_KEY:
        return words.text(NOT_STATED)
    kind = _KINDS.get(by)
    if kind is None:
        return figure.name_en if words.language == "en" and figure.name_en else figure.name
    return words.name(kind, figure.key, figure.name)


def named_rows(words: Wording, breakdown: OutcomeBreakdown) -> list[tuple[str, OutcomeFigure]]:
    """The breakdown's rows with their names, in the reader's alphabetical order (the
    document keeps them by the stored Chinese name, which is no order to an English reader),
    "not stated" last."""
    rows = [(row_name(words, breakdown.by, figure), figure) for figure in breakdown.groups]
    return sorted(rows, key=lambda row: (row[1].key == NO_KEY, row[0].casefold(), row[1].key))


def cny(words: Wording, amount: Decimal) -> str:
    """An amount in yuan for a table of figures: 2.21亿元, and nothing as a plain 0."""
    return "0" if amount == 0 else words.compact(amount, "CNY")


def heading(words: Wording, by: str) -> str:
    return words.text(HEADINGS.get(by, by))

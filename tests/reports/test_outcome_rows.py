"""The outcome tables' rows in the reader's order: a report keeps them by the stored Chinese
name, which is no order at all to an English reader."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from service.outcomes.figures import NO_KEY
from service.reports.document import OutcomeBreakdown, OutcomeFigure
from service.reports.outcome_wording import named_rows
from service.reports.wording import Wording


def _figure(key: str, name: str) -> OutcomeFigure:
    return OutcomeFigure(
        key=key,
        name=name,
        meetings=1,
        met_and_signed=0,
        deals=0,
        signed=0,
        signed_amount_cny=Decimal(0),
        funds_in_place_cny=Decimal(0),
        overdue_registration=0,
        overdue_production=0,
        abandoned=0,
    )


# As a report stores them: by the Chinese name (浦东新区 < 虹口区 < 黄浦区 by code point).
BY_REGION = OutcomeBreakdown(
    by="region",
    groups=[
        _figure(NO_KEY, ""),
        _figure("pudong", "浦东新区"),
        _figure("hongkou", "虹口区"),
        _figure("huangpu", "黄浦区"),
    ],
)


def test_english_readers_read_the_rows_alphabetically_with_not_stated_last() -> None:
    rows = named_rows(Wording("en", ZoneInfo("UTC")), BY_REGION)

    assert [name for name, _ in rows][:3] == ["Hongkou", "Huangpu", "Pudong"]
    assert rows[-1][1].key == NO_KEY


def test_chinese_readers_keep_the_stored_order_with_not_stated_last() -> None:
    rows = named_rows(Wording("zh", ZoneInfo("UTC")), BY_REGION)

    assert [figure.key for _, figure in rows] == ["pudong", "hongkou", "huangpu", NO_KEY]

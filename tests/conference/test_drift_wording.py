"""What a schedule the event has moved away from says, and when a table plan says it."""

from __future__ import annotations

from typing import Any, cast

from service.conference.agendas import TablePlan
from service.conference.drift_wording import out_of_date
from service.conference.scheduling import ScheduleDrift
from service.i18n.catalogs import translate

ADVICE = "Solve again; tick “keep everyone's seat” to move only those."


def _zh(message: str) -> str:
    return translate(message, "zh")


def _drift(no_longer_free: int = 0, called_off: int = 0) -> ScheduleDrift:
    return ScheduleDrift(
        confirmed=3, unplaced=0, no_longer_free=no_longer_free, called_off=called_off
    )


def test_only_what_holds_is_named() -> None:
    assert out_of_date(_drift(), _zh, ADVICE) is None
    assert out_of_date(_drift(no_longer_free=2), _zh, ADVICE) == (
        "当前日程方案已过时（排在一方已表示没空时段的会面 2 场）。"
        "请重新生成日程方案；勾选“保留所有人的桌位”即可只调整这些会面。"
    )
    both = out_of_date(_drift(no_longer_free=1, called_off=1), _zh, ADVICE)
    assert both is not None
    assert "会面 1 场；已排桌位但不再确认的会面 1 场" in both
    english = out_of_date(_drift(called_off=1), lambda m: translate(m, "en"), ADVICE)
    assert english == (
        "The current schedule is out of date (seated meetings no longer confirmed: 1). "
        "Solve again; tick “keep everyone's seat” to move only those."
    )


def test_a_table_plan_is_wrong_only_where_it_seats_someone_not_free_and_only_before_the_end() -> (
    None
):
    # A called-off meeting's seat is shown free on the plan already: right as it stands.
    assert out_of_date(_drift(called_off=1), _zh, ADVICE, seats_only=True) is None

    def plan(drift: ScheduleDrift, *, over: bool) -> TablePlan:
        nothing = cast(Any, None)
        return TablePlan(event=nothing, schedule=nothing, slots=[], drift=drift, over=over)

    assert plan(_drift(no_longer_free=1), over=False).seats_out_of_date
    assert not plan(_drift(called_off=1), over=False).seats_out_of_date
    # Held: the plan is the record of the day, and nothing can be solved again.
    assert not plan(_drift(no_longer_free=1), over=True).seats_out_of_date

"""How a conference day reads: this year's without its year, another year's with it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from service.core.settings import get_settings
from service.web.conference_labels import short_day


def test_a_day_of_another_year_names_its_year() -> None:
    this_year = dt.datetime.now(ZoneInfo(get_settings().display_time_zone)).year

    assert short_day(dt.date(this_year, 11, 6)) == "11月6日"
    assert short_day(dt.date(this_year - 1, 11, 6)) == f"{this_year - 1}年11月6日"

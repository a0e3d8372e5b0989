"""How the report writes numbers, dates and times: amounts exactly as stored, never through a
float; times in the deployment's display time zone, never in the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date

# Amounts are written by the one formatter the scorer's reasons use too.
from scoring.amounts import format_amount, format_money
from service.i18n.zones import zone_name
from service.reference_data.catalog import Language

__all__ = [
    "BABEL_LOCALES",
    "format_amount",
    "format_count",
    "format_event_date",
    "format_local_time",
    "format_money",
    "format_score",
    "format_share",
    "format_threshold",
]

_HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")
# Babel's locales for the report's languages: dates as 2025年11月6日 and 6 November 2025,
# lists as 人工智能、量子科技和集成电路 and AI, quantum and chips.
BABEL_LOCALES: dict[Language, str] = {"zh": "zh_CN", "en": "en_GB"}


def format_score(score: float | None) -> str:
    return "—" if score is None else f"{score:.3f}"


def format_threshold(value: float) -> str:
    """A parameter as the commission typed it: 0.6 stays '0.6'."""
    return f"{value:g}"


def format_count(count: int) -> str:
    return f"{count:,}"


def format_share(part: int, whole: int) -> str:
    """part of whole as a percentage with one decimal, computed in decimals."""
    if whole == 0:
        return "—"
    return f"{(Decimal(part) * _HUNDRED / Decimal(whole)).quantize(_TENTH)}%"


def format_local_time(moment: datetime, zone: ZoneInfo, language: Language) -> str:
    """``moment`` on the clocks of ``zone``, with the zone and its offset so nobody reads it
    as UTC: '2026-11-21 16:00:00 (Beijing time, UTC+08:00)', the zone named as the pages name
    it. A naive time is UTC, as every stored time is."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    clock = local.strftime("%Y-%m-%d %H:%M:%S")
    utc_offset = f"UTC{offset[:3]}:{offset[3:]}"
    name = zone_name(zone.key, language)
    if language == "zh":
        return f"{clock}（{name}，{utc_offset}）"
    return f"{clock} ({name}, {utc_offset})"


def format_event_date(day: date, language: Language) -> str:
    """An event's calendar day as the language writes it. It is a date, not an instant: no
    time zone moves it."""
    return format_date(day, "long", locale=BABEL_LOCALES[language])

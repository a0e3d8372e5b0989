"""How the report writes numbers: amounts exactly as stored, never through a float."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

# Amounts are written by the one formatter the scorer's reasons use too.
from scoring.amounts import format_amount, format_money

__all__ = [
    "format_amount",
    "format_chinese_amount",
    "format_count",
    "format_money",
    "format_score",
    "format_share",
    "format_threshold",
    "format_timestamp",
]

_HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")
_YI = 8  # 亿 = 10^8
_WAN = 4  # 万 = 10^4
_MAX_UNIT_DECIMALS = 4


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_chinese_amount(amount: Decimal) -> str | None:
    """The form Chinese readers write, exactly: 3000000000 -> '30亿', 50000000 -> '5000万'.

    None when that form would need more than four decimals (the exact amount is shown anyway).
    """
    for power, unit in ((_YI, "亿"), (_WAN, "万")):
        if abs(amount) >= Decimal(10) ** power:
            scaled = amount.scaleb(-power).normalize()
            exponent = scaled.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -_MAX_UNIT_DECIMALS:
                return None
            return f"{_plain(scaled)}{unit}"
    return None


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


def format_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

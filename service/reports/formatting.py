"""How the report writes numbers: amounts exactly as stored, never through a float."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

_HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")
_YI = 8  # 亿 = 10^8
_WAN = 4  # 万 = 10^4
_MAX_UNIT_DECIMALS = 4


def format_amount(amount: Decimal) -> str:
    """3000000000.00 -> '3,000,000,000.00'; keeps every decimal place the amount has."""
    exponent = amount.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{amount:,.{places}f}"


def format_money(amount: Decimal, currency: str) -> str:
    return f"{format_amount(amount)} {currency}"


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

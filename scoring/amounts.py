"""How amounts are written: decimals with thousands separators, never through a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_ONE = Decimal(1)


def format_amount(amount: Decimal, *, whole_without_cents: bool = False) -> str:
    """``amount`` with thousands separators and every decimal place it has, at least two:
    3000000000 -> '3,000,000,000.00', 12345.678 -> '12,345.678' (as stored, for tables).

    With ``whole_without_cents`` (for sentences), a whole amount has no decimals and any
    other is rounded to the cent: 3000000000.00 -> '3,000,000,000', 12345.678 -> '12,345.68'.
    """
    if whole_without_cents:
        places = 0 if amount.quantize(_ONE, rounding=ROUND_HALF_UP) == amount else 2
    else:
        exponent = amount.as_tuple().exponent
        places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{amount:,.{places}f}"


def format_money(amount: Decimal, currency: str, *, whole_without_cents: bool = False) -> str:
    """``format_amount`` followed by the currency code: '3,000,000,000.00 CNY'."""
    return f"{format_amount(amount, whole_without_cents=whole_without_cents)} {currency}"

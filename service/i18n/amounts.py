"""Amounts written for people: 30亿元 or CNY 3 billion, always beside the exact figure."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from scoring.amounts import format_amount, format_money
from service.i18n.languages import current_language
from service.reference_data.catalog import Language, get_reference_data

_CENT = Decimal("0.01")
# Chinese counts in 万 (10^4) and 亿 (10^8); English in million and billion.
_ZH_UNITS = ((Decimal(10) ** 12, "万亿"), (Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"))
_EN_UNITS = (
    (Decimal(10) ** 12, "trillion"),
    (Decimal(10) ** 9, "billion"),
    (Decimal(10) ** 6, "million"),
)


def _scaled(amount: Decimal, scale: Decimal) -> tuple[str, bool]:
    """``amount / scale`` to at most two decimals without trailing zeros, and whether that
    is exact."""
    exact = amount / scale
    rounded = exact.quantize(_CENT, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.2f}".rstrip("0").rstrip(".")
    return text, rounded == exact


def compact_amount(amount: Decimal, currency: str, language: Language | None = None) -> str:
    """The amount in the reader's units: 30亿元, 5000万美元, 约1.23亿元; CNY 3 billion,
    about USD 12.35 million. Small amounts are written in full: 5,000元; 5,000 CNY."""
    language = language or current_language()
    units = _ZH_UNITS if language == "zh" else _EN_UNITS
    scale, unit = next(((s, u) for s, u in units if abs(amount) >= s), (None, ""))
    if scale is None:
        currency_unit = get_reference_data().unit_zh(currency) if language == "zh" else None
        if currency_unit:
            return f"{format_amount(amount, whole_without_cents=True)}{currency_unit}"
        return format_money(amount, currency, whole_without_cents=True)
    number, exact = _scaled(amount, scale)
    if language == "zh":
        if unit == "万":  # under 10,000 by construction: written 5000万, as people do
            number = number.replace(",", "")
        currency_unit = get_reference_data().unit_zh(currency) or f" {currency}"
        return f"{'' if exact else '约'}{number}{unit}{currency_unit}"
    return f"{'' if exact else 'about '}{currency} {number} {unit}"


def readable_amount(amount: Decimal, currency: str, language: Language | None = None) -> str:
    """The compact amount beside the exact one: 30亿元（3,000,000,000 CNY）,
    CNY 3 billion (3,000,000,000 CNY); a small amount once, in full (5,000元)."""
    language = language or current_language()
    exact = format_money(amount, currency, whole_without_cents=True)
    compact = compact_amount(amount, currency, language)
    smallest_unit = (_ZH_UNITS if language == "zh" else _EN_UNITS)[-1][0]
    if compact == exact or abs(amount) < smallest_unit:
        return compact
    if language == "zh":
        return f"{compact}（{exact}）"
    return f"{compact} ({exact})"


def amount_for_typing(amount: Decimal, language: Language | None = None) -> str:
    """An amount as a form shows it for editing, in the units a person types and the form
    reads back exactly: 15亿, 5000万, 1,234,567 (English: 1,500,000,000). A unit is used
    only when the amount is a whole number of hundredths of it, so nothing is rounded."""
    language = language or current_language()
    exact = amount.normalize()
    if language == "zh":
        for scale, unit in _ZH_UNITS:
            scaled = exact / scale
            if abs(exact) >= scale and scaled == scaled.quantize(_CENT):
                return f"{scaled.normalize():f}{unit}"
    whole, _, fraction = f"{exact:f}".partition(".")
    grouped = f"{int(whole):,}"
    return f"{grouped}.{fraction}" if fraction else grouped

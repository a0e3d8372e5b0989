"""Amounts as people write them in spreadsheets and forms: ``3,000,000,000``, ``30亿元``,
``5000万``, and for readers of English ``3.5 billion``, ``50m``."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

# 亿 is 10^8 and 万 is 10^4; 元 (yuan) only names the unit. One multiplier at most:
# "30亿亿" is a typo, not 3 * 10^17.
# The English words a foreign investor writes (any letter case): thousand, million, billion
# and their usual short forms. "b" and "m" alone are how term sheets write them.
_MULTIPLIERS = {
    "": 1,
    "万": 10**4,
    "亿": 10**8,
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
}
# A space may stand between the number and its unit (30 亿, 5000 万元, 3.5 billion), never
# inside it. The currency's name may close the amount, 元 or "yuan" (30亿元, 3.5 billion
# yuan, 3.5 billion元 from a form whose reader mixes both); it only names the unit.
_AMOUNT = re.compile(
    r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?\s*"
    r"(?:(?P<unit>[万亿])|(?P<word>k|thousand|mn?|million|bn?|billion))?"
    r"(?:\s*(?:元|yuan))?",
    flags=re.ASCII | re.IGNORECASE,
)
# 12亿5000万: 亿 and then up to four digits of 万, the way the amount is said.
_YI_AND_WAN = re.compile(r"(?P<yi>\d+)\s*亿\s*(?P<wan>\d{1,4})\s*万\s*元?", flags=re.ASCII)
# The traditional characters (億, 萬, as typed in Hong Kong and Taiwan) are the same units.
_TRADITIONAL_UNITS = str.maketrans({"億": "亿", "萬": "万"})
EXAMPLES = "3000000000, 3,000,000,000, 30亿, 30亿元, 5000万, 1.5亿, 12亿5000万, 3.5 billion or 50m"


class AmountError(ValueError):
    """The text is not an amount in any accepted form."""


def parse_amount(text: str) -> Decimal:
    """The exact amount written in ``text``; never a float on the way.

    Full-width digits and commas (U+FF10 to U+FF19, U+FF0C) count as their ASCII forms, 億
    and 萬 as 亿 and 万, and a space may stand before a unit. Signs, exponents, spaces inside
    the number and misplaced thousands separators are refused rather than guessed at.
    """
    normalised = unicodedata.normalize("NFKC", text).strip().translate(_TRADITIONAL_UNITS)
    compound = _YI_AND_WAN.fullmatch(normalised)
    if compound is not None:
        return Decimal(compound["yi"]) * 10**8 + Decimal(compound["wan"]) * 10**4
    match = _AMOUNT.fullmatch(normalised)
    if match is None:
        raise AmountError(f"'{text}' is not an amount; write it as {EXAMPLES}")
    digits = match["whole"].replace(",", "")
    if match["fraction"]:
        digits += "." + match["fraction"]
    unit = (match["word"] or match["unit"] or "").lower()
    value = Decimal(digits) * _MULTIPLIERS[unit]
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()

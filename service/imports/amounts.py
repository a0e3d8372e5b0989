"""Amounts as people write them in spreadsheets and forms: ``3,000,000,000``, ``30亿元``,
``5000万``, and for readers of English ``3.5 billion``, ``50m``."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

# 亿 is 10^8, 万 is 10^4 and 万亿 (a trillion) 10^12; 元 (yuan) only names the unit. One
# multiplier at most: "30亿亿" is a typo, not 3 * 10^17.
# The English words a foreign investor writes (any letter case): thousand, million, billion,
# trillion and their usual short forms. "b" and "m" alone are how term sheets write them.
_MULTIPLIERS = {
    "": 1,
    "万": 10**4,
    "亿": 10**8,
    "万亿": 10**12,
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "tn": 10**12,
    "trillion": 10**12,
}
# A space may stand between the number and its unit (30 亿, 5000 万元, 3.5 billion), never
# inside it. The currency's name may close the amount, 元 or "yuan" (30亿元, 3.5 billion
# yuan, 3.5 billion元 from a form whose reader mixes both); it only names the unit.
_AMOUNT = re.compile(
    r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?\s*"
    r"(?:(?P<unit>万亿|[万亿])|(?P<word>k|thousand|mn?|million|bn?|billion|tn|trillion))?"
    r"(?:\s*(?:元|yuan))?",
    flags=re.ASCII | re.IGNORECASE,
)
# 12亿5000万: 亿 and then up to four digits of 万, the way the amount is said.
_YI_AND_WAN = re.compile(r"(?P<yi>\d+)\s*亿\s*(?P<wan>\d{1,4})\s*万\s*元?", flags=re.ASCII)
# The traditional characters (億, 萬, as typed in Hong Kong and Taiwan) are the same units,
# and the capital numerals of cheques and contracts (伍亿元整, 叁仟万圆) the same numerals.
_TRADITIONAL_UNITS = str.maketrans(
    {"億": "亿", "萬": "万", "圆": "元", "圓": "元"}
    | {"壹": "一", "贰": "二", "貳": "二", "叁": "三", "參": "三", "肆": "四", "伍": "五"}
    | {"陆": "六", "陸": "六", "柒": "七", "捌": "八", "玖": "九", "拾": "十", "佰": "百"}
    | {"仟": "千"}
)
# 整 (or 正) closes an amount written out in full on a contract (伍亿元整): it says nothing more.
_IN_FULL = re.compile(r"(?<=元)[整正]$")
EXAMPLES = "3000000000, 3,000,000,000, 30亿, 30亿元, 5000万, 1.5亿, 12亿5000万, 3.5 billion or 50m"

# Where an amount names its currency (人民币5亿元, 5亿美元, US$50m, ¥500,000,000): the
# currencies each mark may mean. ¥ is the yuan's sign and the yen's.
_CURRENCY_MARKS: dict[str, frozenset[str]] = {
    mark: frozenset(codes)
    for codes, marks in (
        (("CNY",), ("人民币", "RMB", "CNY")),
        (("CNY", "JPY"), ("¥",)),
        (("USD",), ("美元", "美金", "USD", "US$")),
        # $ alone is the dollar of several currencies.
        (("USD", "HKD", "SGD", "AUD", "CAD"), ("$",)),
        (("EUR",), ("欧元", "EUR", "€")),
        (("HKD",), ("港元", "港币", "HKD", "HK$")),
        (("GBP",), ("英镑", "GBP", "£")),
        (("JPY",), ("日元", "JPY")),
        (("SGD",), ("新加坡元", "新元", "SGD", "S$")),
        (("CHF",), ("瑞士法郎", "CHF")),
        (("AUD",), ("澳大利亚元", "澳元", "AUD", "A$")),
        (("CAD",), ("加拿大元", "加元", "CAD", "C$")),
        (("KRW",), ("韩元", "KRW", "₩")),
    )
    for mark in marks
}
# Longest first, so that 新加坡元 is not read as 元 after 新加坡, nor HK$ as $.
_MARKS_LONGEST_FIRST = sorted(_CURRENCY_MARKS, key=len, reverse=True)


def split_currency(text: str) -> tuple[str, frozenset[str]]:
    """``text`` without a currency named before or after the amount, and the currencies
    that name may mean (empty when none is named). Only one name, at one end. An amount
    closed by the yuan's unit alone (30亿元, 3.5 billion yuan, 伍亿元整) names the yuan
    too, and keeps its unit, which ``parse_amount`` reads."""
    normalised = unicodedata.normalize("NFKC", text).strip()
    upper = normalised.upper()
    for mark in _MARKS_LONGEST_FIRST:
        if upper.startswith(mark.upper()):
            return normalised[len(mark) :].strip(), _CURRENCY_MARKS[mark]
        if upper.endswith(mark.upper()):
            return normalised[: -len(mark)].strip(), _CURRENCY_MARKS[mark]
    if _YUAN_UNIT.search(normalised):
        return normalised, _CURRENCY_MARKS["人民币"]
    return normalised, frozenset()


# The yuan's unit closing an amount (元, 圆, "yuan"), as on a contract with 整 or 正 after it.
_YUAN_UNIT = re.compile(r"(?:元|圆|圓|yuan)\s*[整正]?$", flags=re.IGNORECASE)


# Amounts said in Chinese numerals (五千万, 三十亿, 一亿五千万, 两亿, 3千万): digits, the
# units 十 百 千 below 万, and 万 and 亿 above them, read the way they are said.
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CHINESE_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CHINESE_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CHINESE_AMOUNT = re.compile(r"[零〇一二两三四五六七八九十百千万亿0-9]+元?")


class AmountError(ValueError):
    """The text is not an amount in any accepted form."""


def parse_amount(text: str) -> Decimal:
    """The exact amount written in ``text``; never a float on the way.

    Full-width digits and commas (U+FF10 to U+FF19, U+FF0C) count as their ASCII forms, 億
    and 萬 as 亿 and 万, and a space may stand before a unit. Signs, exponents, spaces inside
    the number and misplaced thousands separators are refused rather than guessed at.
    """
    normalised = unicodedata.normalize("NFKC", text).strip().translate(_TRADITIONAL_UNITS)
    normalised = _IN_FULL.sub("", normalised)
    compound = _YI_AND_WAN.fullmatch(normalised)
    if compound is not None:
        return Decimal(compound["yi"]) * 10**8 + Decimal(compound["wan"]) * 10**4
    match = _AMOUNT.fullmatch(normalised)
    if match is None:
        said = _said_in_chinese(normalised)
        if said is None:
            raise AmountError(f"'{text}' is not an amount; write it as {EXAMPLES}")
        return said
    digits = match["whole"].replace(",", "")
    if match["fraction"]:
        digits += "." + match["fraction"]
    unit = (match["word"] or match["unit"] or "").lower()
    value = Decimal(digits) * _MULTIPLIERS[unit]
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _said_in_chinese(text: str) -> Decimal | None:
    """A whole amount in Chinese numerals, read as it is said, or None when ``text`` is not
    one. A digit closing a section after 百 or 千 stands for the next lower unit (二百五 is
    250, 三千五万 is 3500万), and one closing the amount after 万 or 亿 too (三万五 is 35000,
    一亿五 is 1.5亿), unless 零 holds the place between (一百零五 is 105). Refused: a digit
    after a digit, a unit after a larger one, 零 where it holds no place, Arabic digits
    before 十 or closing an amount after a unit (12亿5000: yuan, or 5000万?), hundreds or
    thousands straight after 亿 (三亿五千: 5000 yuan, or 5000万?), and nothing said."""
    if not _CHINESE_AMOUNT.fullmatch(text) or not re.search(r"[^0-9元]", text):
        return None
    parts = re.findall(r"[0-9]+|.", text.removesuffix("元"))
    total = below_yi = section = 0
    number: int | None = None
    in_digits = zero_held = False
    last_small = _NO_UNIT
    last_big: int | None = None  # 万 or 亿, once said
    for index, part in enumerate(parts):
        if part in "零〇":
            after_unit = index > 0 and parts[index - 1] in ("十", "百", "千", "万", "亿")
            if zero_held or not after_unit or index == len(parts) - 1:
                return None
            zero_held = True
        elif part[0].isdigit() or part in _CHINESE_DIGITS:
            if number is not None:
                return None
            in_digits = part[0].isdigit()
            number = int(part) if in_digits else _CHINESE_DIGITS[part]
        elif part in _CHINESE_SMALL_UNITS:
            unit = _CHINESE_SMALL_UNITS[part]
            if unit >= last_small or (number is None and unit != 10) or (in_digits and unit == 10):
                return None
            section += (1 if number is None else number) * unit
            number, in_digits, last_small = None, False, unit
        else:  # 万 or 亿: everything said since the last larger unit is counted in it
            big = 10**4 if part == "万" else 10**8
            said = section + _closing(number, last_small, zero_held)
            if (
                (last_big is not None and big >= last_big)
                or said == 0
                or (big == 10**4 and said >= 10**4)
            ):
                return None  # 万万, 1亿12345万: a typo
            if big == 10**4:
                below_yi += said * 10**4
            else:
                total += (below_yi + said) * 10**8
                below_yi = 0
            section, number, in_digits, zero_held = 0, None, False, False
            last_small, last_big = _NO_UNIT, big
    if number is not None and in_digits and (last_big is not None or section):
        return None
    if last_big == 10**8 and section and not zero_held:
        return None
    closing = _closing(number, last_small, zero_held)
    if number is not None and last_big is not None and last_small == _NO_UNIT and not zero_held:
        closing = number * last_big // 10
    value = total + below_yi + section + closing
    return Decimal(value) if value > 0 else None


# No unit said yet in a section: any of 十 百 千 may come.
_NO_UNIT = 10**4


def _closing(number: int | None, last_small: int, zero_held: bool) -> int:
    """What a digit closing a section is worth: itself alone, after 十 or after 零; after 百
    or 千, the next lower unit's worth (二百五: 5 tens)."""
    if number is None:
        return 0
    if zero_held or last_small in (10, _NO_UNIT):
        return number
    return number * (last_small // 10)

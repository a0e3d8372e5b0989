"""The unified social credit code (统一社会信用代码, GB 32100-2015) of a Chinese company:
18 characters whose last is a check character computed from the other 17."""

from __future__ import annotations

# The 31 characters a code may use: digits and capitals without I, O, S, V and Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first_seventeen: str) -> str:
    pairs = zip(first_seventeen[:17], WEIGHTS, strict=True)
    total = sum(ALPHABET.index(char) * weight for char, weight in pairs)
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a unified social credit code, or None when it is one."""
    if len(code) != LENGTH:
        return f"A unified social credit code has {LENGTH} characters; this has {len(code)}."
    unknown = sorted({char for char in code if char not in ALPHABET})
    if unknown:
        return f"A unified social credit code has no {', '.join(unknown)}."
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"The check character does not match: the last character should be {expected}."
    return None

"""Passwords: hashed with Argon2id, at least 12 characters, never a common one.

Hashes come from argon2-cffi's ``PasswordHasher`` (Argon2id with the RFC 9106 low-memory
parameters it defaults to: 3 passes over 64 MiB, 4 lanes). A password is refused when it
is shorter than ``MIN_PASSWORD_LENGTH``, when it is or contains the username, when it is a
pattern, or when its lower-case form, with or without digits and signs around it, is in
``common_passwords.txt``: the 19,640 common passwords Django ships
(``django/contrib/auth/common-passwords.txt.gz``, lower-cased and deduplicated, compiled by
Royce Williams from leaked-password corpora; BSD-3-Clause, see
``common_passwords.LICENSE``).

``verify_password`` runs Argon2 even when there is no user to check against (on a hash of a
random password), so a wrong username takes as long to refuse as a wrong password.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase; short enough that hashing one costs nothing unusual.
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).parent / "common_passwords.txt"

_hasher = PasswordHasher()
# A hash of a random password per set of parameters: what an unknown username is checked
# against.
_stand_ins: dict[tuple[int, int, int], str] = {}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_weakness(password: str, *, username: str | None = None) -> str | None:
    """Why ``password`` may not be used, as a code a page words in its reader's language
    (``password_too_short``, ``password_too_long``, ``common_password``,
    ``password_is_username``, ``password_contains_username``, ``predictable_password``,
    ``decorated_common_password``), or None when it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "password_too_long"
    lowered = password.lower()
    if lowered in common_passwords():
        return "common_password"
    name = (username or "").lower()
    if name and lowered == name:
        return "password_is_username"
    if len(name) >= SHORTEST_USERNAME_INSIDE and name in lowered:
        return "password_contains_username"
    if _predictable(lowered):
        return "predictable_password"
    core = lowered.strip(_DECORATION)
    if len(core) >= SHORTEST_COMMON_CORE and core in common_passwords():
        return "decorated_common_password"
    return None


# Digits, signs and spaces people add around a common password to pass a length rule
# (password2026, !!sunshine!!, 1314woaini1314): what is left inside is still guessed first.
_DECORATION = "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
SHORTEST_COMMON_CORE = 4
# A username this long inside the password (li.wei2026!) gives most of it away; shorter ones
# (a three-letter name) turn up by chance in a long passphrase.
SHORTEST_USERNAME_INSIDE = 4


FEWEST_DISTINCT_CHARACTERS = 5


def _predictable(password: str) -> bool:
    """A pattern rather than a secret: few distinct characters (aaaaaaaaaaaa), one piece
    repeated (abc123abc123), or a run up or down the digits or the alphabet (123456789012,
    abcdefghijkl), which length alone does not make strong."""
    if len(set(password)) < FEWEST_DISTINCT_CHARACTERS:
        return True
    for size in range(1, len(password) // 2 + 1):
        if len(password) % size == 0 and password[:size] * (len(password) // size) == password:
            return True
    steps = {_step(a, b) for a, b in pairwise(password)}
    return steps in ({1}, {-1})


def _step(first: str, second: str) -> int | None:
    """+1 or -1 between neighbours in a run (9 to 0 and z to a continue one), else None."""
    for alphabet in ("0123456789", "abcdefghijklmnopqrstuvwxyz"):
        if first in alphabet and second in alphabet:
            gap = (alphabet.index(second) - alphabet.index(first)) % len(alphabet)
            return {1: 1, len(alphabet) - 1: -1}.get(gap)
    return None


_WEAKNESS_MESSAGES = {
    "password_too_short": f"A password has at least {MIN_PASSWORD_LENGTH} characters",
    "password_too_long": f"A password has at most {MAX_PASSWORD_LENGTH} characters",
    "common_password": "This password is in a list of common passwords; choose another",
    "password_is_username": "The password may not be the username",
    "password_contains_username": "The password may not contain the username",
    "decorated_common_password": (
        "This password is a common password with digits or signs added (such as password2026);"
        " choose another"
    ),
    "predictable_password": (
        "This password is a pattern (repeats, or a run such as 123456 or abcdef); choose another"
    ),
}


def password_problem(password: str, *, username: str | None = None) -> str | None:
    """Why ``password`` may not be used, or None when it may."""
    weakness = password_weakness(password, username=username)
    return None if weakness is None else _WEAKNESS_MESSAGES[weakness]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _unmatchable_hash() -> str:
    parameters = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    if parameters not in _stand_ins:
        _stand_ins[parameters] = _hasher.hash(secrets.token_urlsafe(32))
    return _stand_ins[parameters]


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; with no hash, as slow a False."""
    try:
        return _hasher.verify(password_hash or _unmatchable_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def warm_up() -> None:
    """Compute the stand-in hash now, so the first unknown username is not slower."""
    _unmatchable_hash()
    common_passwords()

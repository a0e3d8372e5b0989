"""The password rules and the hash: Argon2id at argon2-cffi's parameters, a bundled list of
common passwords, and a check that costs the same with or without a user to check."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from service.users import passwords


@pytest.fixture
def real_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """The service's own hasher (the suite runs with a cheap one, see tests/conftest.py)."""
    hasher = PasswordHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    return hasher


def test_the_common_password_list_is_bundled_and_large() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 19_000
    assert {"password", "123456", "qwerty123456", "1q2w3e4r5t6y"} <= common
    assert passwords.COMMON_PASSWORDS_FILE.with_suffix(".LICENSE").exists()


@pytest.mark.parametrize(
    ("password", "allowed"),
    [
        ("a" * 11, False),
        ("a reasonable passphrase", True),
        ("qwerty123456", False),
        ("Qwerty123456", False),
        ("x" * (passwords.MAX_PASSWORD_LENGTH + 1), False),
        # Patterns that length alone does not make strong, and are not in the list.
        ("123456789012", False),
        ("210987654321", False),
        ("abcdefghijkl", False),
        ("aaaaaaaaaaaa", False),
        ("abababababab", False),
        ("abc123abc123", False),
        ("Tr0ub4dor&3xyz", True),
    ],
)
def test_password_rules(password: str, allowed: bool) -> None:
    assert (passwords.password_problem(password) is None) is allowed


@pytest.mark.parametrize(
    ("password", "username", "weakness"),
    [
        # A common password with digits or signs around it is still guessed first.
        ("password2026", None, "decorated_common_password"),
        ("!!sunshine!!", None, "decorated_common_password"),
        ("1314woaini1314", None, "decorated_common_password"),
        ("Monkey-2026-!", None, "decorated_common_password"),
        # Signs inside a passphrase are not decoration.
        ("monkey-business-77", None, None),
        ("my Shanghai office 2026", None, None),
        # The username given away inside the password.
        ("li.wei2026!!", "li.wei", "password_contains_username"),
        ("Grace.Hopper", "grace.hopper", "password_is_username"),
        # A three-letter username turns up by chance in a long passphrase.
        ("a bold plan for 2026", "bol", None),
    ],
)
def test_a_common_password_dressed_up_or_the_username_inside_is_refused(
    password: str, username: str | None, weakness: str | None
) -> None:
    assert passwords.password_weakness(password, username=username) == weakness


def test_hashes_are_argon2id_with_the_library_defaults(real_hasher: PasswordHasher) -> None:
    stored = passwords.hash_password("a reasonable passphrase")

    parameters = extract_parameters(stored)
    assert parameters.type is Type.ID
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (3, 65536, 4)
    assert passwords.verify_password(stored, "a reasonable passphrase")
    assert not passwords.verify_password(stored, "another passphrase")
    assert not passwords.verify_password("not a hash", "a reasonable passphrase")


def test_checking_without_a_user_still_runs_argon2(real_hasher: PasswordHasher) -> None:
    assert passwords.verify_password(None, "whatever it is") is False
    stand_in = passwords._unmatchable_hash()
    assert extract_parameters(stand_in) == extract_parameters(real_hasher.hash("x"))

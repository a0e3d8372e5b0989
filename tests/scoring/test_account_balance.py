"""One account, one voice: bounded training weight, whole accounts held out, busy ones
flagged."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.account_balance import (
    bounded_weights,
    heavy_accounts,
    held_out_accounts,
    mask_of,
    weight_shares,
)


def test_a_busy_account_weighs_no_more_than_the_others_median() -> None:
    accounts = ["a"] * 10 + ["b"] * 12 + ["c"] * 8 + ["busy"] * 66
    weights = bounded_weights(accounts, np.ones(len(accounts)))
    shares = weight_shares(accounts, weights)
    totals = {a: float(weights[mask_of(accounts, {a})].sum()) for a in set(accounts)}
    assert totals["busy"] == pytest.approx(10.0)  # the median of 10, 12 and 8
    assert np.allclose(weights[mask_of(accounts, {"busy"})], 10 / 66)  # spread evenly
    # Above the others' median too: b's 12 count as 10; a and c are under theirs.
    assert (totals["a"], totals["b"], totals["c"]) == pytest.approx((10.0, 10.0, 8.0))
    assert abs(sum(shares.values()) - 1.0) < 1e-12
    # Two accounts: the busy one is bounded by the other, not by a median it raises itself.
    pair = ["quiet"] * 4 + ["busy"] * 66
    bounded = bounded_weights(pair, np.ones(len(pair)))
    assert float(bounded[mask_of(pair, {"busy"})].sum()) == pytest.approx(4.0)


def test_accounts_are_held_out_whole_and_never_all_or_most() -> None:
    accounts = [f"account-{n}" for n in range(8) for _ in range(5)]
    outcomes = [n % 2 for n in range(len(accounts))]
    held = held_out_accounts(accounts, outcomes)
    assert 2 <= len(held) <= 4  # a quarter (2 of 8), never more than half
    assert held == held_out_accounts(accounts, outcomes)  # stable
    # Where an account falls does not depend on how much it answered.
    busier = [*accounts, *(["account-0"] * 50)]
    assert ("account-0" in held) == ("account-0" in held_out_accounts(busier, [0, 1] * 45))
    assert held_out_accounts(["alone"] * 10, [0, 1] * 5) == set()


def test_an_account_far_busier_than_the_others_is_flagged() -> None:
    accounts = ["a"] * 10 + ["b"] * 11 + ["c"] * 9 + ["busy"] * 66
    flagged = heavy_accounts(accounts)
    assert [(f.account, f.pairs, f.median_pairs) for f in flagged] == [("busy", 66, 10.0)]
    # Somewhat busier is normal; a few answers more than quiet accounts are not a flag.
    assert heavy_accounts(["a"] * 10 + ["b"] * 30) == []
    assert heavy_accounts(["a"] * 2 + ["b"] * 15) == []


def test_accounts_with_one_outcome_do_not_leave_the_held_out_set_without_the_other() -> None:
    """Seven accounts: three answered only 'interested' (1), four both ways. Whatever the
    hash order, the held-out accounts hold both outcomes and at most half the accounts
    (three) are held out, so training can judge its candidate."""
    for salt in range(40):
        one_sided = [f"positive-{salt}-{n}" for n in range(3)]
        both = [f"both-{salt}-{n}" for n in range(4)]
        accounts = [a for a in one_sided for _ in range(6)] + [a for a in both for _ in range(6)]
        outcomes = [1] * 18 + [n % 2 for n in range(24)]
        held = held_out_accounts(accounts, outcomes)
        held_outcomes = {o for a, o in zip(accounts, outcomes, strict=True) if a in held}
        assert held_outcomes == {0, 1}, (salt, held)
        assert 1 <= len(held) <= 3


def test_an_account_flagged_as_far_busier_weighs_less_than_a_typical_one() -> None:
    """Bounded to the typical account's weight, a flagged account would still have a typical
    account's say; past the flag its bound is divided by how many times busier it is."""
    accounts = ["a"] * 10 + ["b"] * 12 + ["c"] * 8 + ["busy"] * 66
    (flag,) = heavy_accounts(accounts)
    busier = {flag.account: flag.pairs / flag.median_pairs}
    weights = bounded_weights(accounts, np.ones(len(accounts)), busier=busier)
    totals = {a: float(weights[mask_of(accounts, {a})].sum()) for a in set(accounts)}
    assert totals["busy"] == pytest.approx(10.0 / 6.6)  # the others' median, 6.6 times less
    assert (totals["a"], totals["b"], totals["c"]) == pytest.approx((10.0, 10.0, 8.0))
    # Naming an account no busier than the others changes nothing.
    same = bounded_weights(accounts, np.ones(len(accounts)), busier={"a": 0.5})
    assert np.allclose(same, bounded_weights(accounts, np.ones(len(accounts))))

"""Training that one account cannot take over: each account's pairs carry a bounded share of
the weight, whole accounts are held out, and an account far busier than the others is
flagged.

An account is whoever answers for a mandate: its feedback and its deals are its pairs. One
account can open many mandates and answer as often as it likes, so counting pairs alone
would let it outvote everyone; bounding its weight by the typical account's, and judging a
model on accounts it never saw, keeps one voice one voice.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

ACCOUNT_WEIGHT_CAP = 1.0
"""No account's pairs weigh more in total than this many times the other accounts' median."""
HEAVY_ACCOUNT_FACTOR = 4.0
"""An account with more than this many times the median account's pairs is flagged..."""
HEAVY_ACCOUNT_MIN_PAIRS = 20
"""...when it has at least this many (a few answers more than a quiet account's is normal)."""
HELD_OUT_SHARE = 0.25
"""About this share of the accounts is held out, each whole."""


def bounded_weights(
    accounts: Sequence[str],
    base: FloatArray,
    *,
    cap: float = ACCOUNT_WEIGHT_CAP,
    busier: Mapping[str, float] | None = None,
) -> FloatArray:
    """Each pair's training weight: its ``base`` weight, scaled down evenly within an account
    whose total exceeds ``cap`` times the median of the other accounts' totals, to exactly
    that bound. (The others' median, not everyone's: with few accounts the busy one would
    raise its own bound.) A lone account is not bounded.

    ``busier`` names the flagged accounts (``heavy_accounts``) with how many times the others'
    median number of pairs each has: such an account's bound is divided by that many again.
    Bounding it to a typical account's weight still gives it a typical account's say, and
    with few accounts that say, turned against everyone's, flattens the ranking enough to
    swap near neighbours at the top; past the flag, volume costs weight instead."""
    weights = np.asarray(base, dtype=np.float64).copy()
    if not accounts:
        return weights
    names, position = np.unique(np.asarray(accounts, dtype=object), return_inverse=True)
    totals = np.bincount(position, weights=weights, minlength=names.size)
    scale = np.ones(names.size, dtype=np.float64)
    for account in range(names.size):
        others = np.delete(totals, account)
        if others.size == 0:
            continue
        bound = cap * float(np.median(others))
        if busier is not None and names[account] in busier:
            bound /= max(1.0, busier[names[account]])
        if totals[account] > bound:
            scale[account] = bound / totals[account]
    scaled: FloatArray = weights * scale[position]
    return scaled


def weight_shares(accounts: Sequence[str], weights: FloatArray) -> dict[str, float]:
    """Each account's share of the total training weight."""
    total = float(np.sum(weights))
    shares: dict[str, float] = {}
    for account, weight in zip(accounts, weights.tolist(), strict=True):
        shares[account] = shares.get(account, 0.0) + weight
    return {a: (w / total if total > 0 else 0.0) for a, w in sorted(shares.items())}


@dataclass(frozen=True, slots=True)
class HeavyAccount:
    account: str
    pairs: int
    median_pairs: float


def heavy_accounts(
    accounts: Sequence[str],
    *,
    factor: float = HEAVY_ACCOUNT_FACTOR,
    min_pairs: int = HEAVY_ACCOUNT_MIN_PAIRS,
) -> list[HeavyAccount]:
    """Accounts whose pair count is far above the others': more than ``factor`` times the
    median of the other accounts' counts, and at least ``min_pairs``. Busiest first."""
    counts = Counter(accounts)
    flagged = []
    for account, pairs in counts.items():
        others = [n for other, n in counts.items() if other != account]
        median = float(np.median(others)) if others else 0.0
        if others and pairs >= min_pairs and pairs > factor * median:
            flagged.append(HeavyAccount(account=account, pairs=pairs, median_pairs=median))
    return sorted(flagged, key=lambda heavy: (-heavy.pairs, heavy.account))


def held_out_accounts(
    accounts: Sequence[str],
    outcomes: Sequence[int],
    *,
    share: float = HELD_OUT_SHARE,
    seed: str = "held-out",
) -> set[str]:
    """Whole accounts to hold out: in an order fixed by a hash of each account (stable run
    to run, unrelated to when or how much it answered), accounts join until they are at
    least ``share`` of the accounts and hold both outcomes, but never more than half of the
    accounts (so one busy account is never the only one trained on while several are
    held out). Once ``share`` is reached, only an account bringing the outcome still
    missing joins: accounts with one outcome only, first in the order, do not use up the
    room and leave the held-out set without a negative (or a positive) to judge by.
    Empty with fewer than two accounts."""
    seen: dict[str, set[int]] = {}
    for account, outcome in zip(accounts, outcomes, strict=True):
        seen.setdefault(account, set()).add(int(outcome))
    if len(seen) < 2:
        return set()
    order = sorted(seen, key=lambda a: hashlib.sha256(f"{seed}:{a}".encode()).hexdigest())
    wanted = max(1, math.ceil(share * len(order)))
    held: set[str] = set()
    held_outcomes: set[int] = set()
    room = max(1, len(order) // 2)
    for account in order:
        if len(held) >= room or (len(held) >= wanted and len(held_outcomes) == 2):
            break
        if len(held) < wanted or seen[account] - held_outcomes:
            held.add(account)
            held_outcomes |= seen[account]
    return held


def mask_of(accounts: Sequence[str], chosen: set[str]) -> BoolArray:
    """True for the pairs of the ``chosen`` accounts."""
    return np.array([account in chosen for account in accounts], dtype=np.bool_)

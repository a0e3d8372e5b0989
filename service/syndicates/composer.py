"""Syndicates composed from candidate investors: plain data and exact decimals, no database.

The service (``service.syndicates.service``) turns a financing request's ranked investors
into :class:`Candidate` records, every amount already in the request's currency; this module
decides who leads, who follows and with which ticket.

The rules (:class:`SyndicateRules`, defaults in brackets):

- **Coverage.** The tickets together lie within 10% of the ask: ``0.9 × ask <= total <=
  1.1 × ask``. The tickets are sized to the ask itself whenever the members' ranges allow;
  the total goes over the ask only when the members' minimum tickets force it (at most
  10% over: an over-subscribed proposal the startup may scale back), and under it only when
  their maximum tickets cap it (at least 90%).
- **Tickets.** Each member's ticket lies within its own ``[ticket_min, ticket_max]``.
  Every amount is a sum or difference of the given amounts, so the arithmetic is exact.
- **Lead.** The request's stage is one of the lead's stages (a stage fit, not merely an
  adjacent stage), and the lead's ticket is the largest of the syndicate and at least a fifth
  of the ask [``lead_min_share`` 0.2]. The lead carries as much as its range allows (and at
  least every follower's minimum, even when that takes the total above the ask); the
  followers put in their minimum tickets, and what is left goes to them in order of fit, none
  above the lead's ticket.
- **Seats.** One investor account is one seat: a syndicate never holds two mandates of the
  same account.
- **Size.** A lead and 1 to 7 followers [``max_followers``]. An investor that can fund the
  whole ask alone is a match (the request's matches list it), not a syndicate.
- **Choice of followers.** For each possible lead, the fewest followers that can cover the
  ask, and among those the best-fitting: candidates are taken in order of fit, each one kept
  if the syndicate can still be completed with the remaining candidates (a look-ahead on
  their largest maximum and smallest minimum tickets). When that greedy choice cannot be
  ticketed, the combinations of the best-fitting candidates are tried in order of fit
  (``SEARCH_POOL``, ``SEARCH_COMBINATIONS``): exhaustive on small pools, bounded on large.
- **Combined fit.** The members' scores weighted by their tickets: the investor putting in
  half the money counts for half the fit.
- **Ranking.** At most one syndicate per lead account. Syndicates of the same accounts are
  one proposal: the one whose lead has a history of leading is kept (``lead_rounds``), else
  the better-fitting one. The proposals are ranked by combined fit, then fewer members, then
  the lead's own score, then the lead's id, so the same candidates give the same answer on
  every run.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

MemberRole = Literal["lead", "follower"]
FIT_DECIMALS = 6
"""Combined fit is compared and shown rounded to this many decimals (as scores are)."""
SEARCH_POOL = 12
"""When the greedy choice of followers fails, combinations among this many best-fitting
candidates are tried (all of them when the pool is no larger)."""
SEARCH_COMBINATIONS = 1000
"""At most this many combinations are tried per lead and number of followers."""


class Obstacle(enum.StrEnum):
    """Why no syndicate could be composed."""

    NO_CANDIDATES = "no_candidates"
    """No candidate investor at all."""
    NO_LEAD = "no_lead"
    """No candidate invests at the request's stage with a maximum ticket of a lead's size."""
    CANNOT_COVER = "cannot_cover"
    """Every seat at its maximum ticket still comes to less than the lowest total allowed."""
    NO_COMBINATION = "no_combination"
    """Enough money in all, but no lead with at most ``max_followers`` followers fits the
    coverage, seat and ticket rules."""


@dataclass(frozen=True, slots=True)
class SyndicateRules:
    """What makes a syndicate acceptable (see the module's docstring)."""

    coverage_low: Decimal = Decimal("0.9")
    coverage_high: Decimal = Decimal("1.1")
    lead_min_share: Decimal = Decimal("0.2")
    max_followers: int = 7

    def lowest_total(self, ask: Decimal) -> Decimal:
        return ask * self.coverage_low

    def highest_total(self, ask: Decimal) -> Decimal:
        return ask * self.coverage_high

    def lead_min_ticket(self, ask: Decimal) -> Decimal:
        return ask * self.lead_min_share

    @property
    def max_members(self) -> int:
        return self.max_followers + 1


DEFAULT_RULES = SyndicateRules()


@dataclass(frozen=True, slots=True)
class Candidate:
    """An investor mandate that may take a seat, its amounts in the request's currency.

    ``seat`` names the account the mandate belongs to (one account, one seat). ``score`` is
    the serving ranker's score in [0, 1]. ``invests_at_stage``: the request's stage is one of
    the mandate's stages. ``lead_rounds``: how many recorded rounds show the investor
    carrying a lead's share at this stage (0: none known); the service says what counts.
    """

    investor_id: str
    seat: str
    score: float
    ticket_min: Decimal
    ticket_max: Decimal
    invests_at_stage: bool
    lead_rounds: int = 0


@dataclass(frozen=True, slots=True)
class Member:
    candidate: Candidate
    role: MemberRole
    ticket: Decimal


@dataclass(frozen=True, slots=True)
class Syndicate:
    """A lead and its followers; ``members`` holds the lead first, then the followers by
    ticket (largest first), fit and id."""

    members: tuple[Member, ...]
    total: Decimal
    combined_fit: float

    @property
    def lead(self) -> Member:
        return self.members[0]

    @property
    def followers(self) -> tuple[Member, ...]:
        return self.members[1:]

    @property
    def seats(self) -> frozenset[str]:
        return frozenset(member.candidate.seat for member in self.members)


@dataclass(frozen=True, slots=True)
class Composition:
    """The best syndicates, best first; when there are none, the ``obstacle`` that stopped
    them. ``reachable_total``: every seat at its largest maximum ticket, the most the
    candidates could put in together."""

    syndicates: list[Syndicate]
    obstacle: Obstacle | None
    reachable_total: Decimal


def compose(
    ask: Decimal,
    candidates: Sequence[Candidate],
    *,
    limit: int,
    rules: SyndicateRules = DEFAULT_RULES,
) -> Composition:
    """Up to ``limit`` syndicates covering ``ask`` from ``candidates``, best first."""
    if ask <= 0:
        raise ValueError(f"the ask must be positive, not {ask}")
    # By fit, ties by id: the candidates' order as given never changes the answer.
    ordered = sorted(
        (c for c in candidates if 0 < c.ticket_min <= c.ticket_max),
        key=lambda c: (-c.score, c.investor_id),
    )
    reachable = _reachable_total(ordered)
    if not ordered:
        return Composition([], Obstacle.NO_CANDIDATES, reachable)
    leads = [c for c in ordered if _can_lead(c, ask, rules)]
    best_by_lead_seat: dict[str, Syndicate] = {}
    for lead in leads:
        syndicate = _best_for_lead(ask, lead, ordered, rules)
        if syndicate is None:
            continue
        kept = best_by_lead_seat.get(lead.seat)
        if kept is None or _rank_key(syndicate) < _rank_key(kept):
            best_by_lead_seat[lead.seat] = syndicate
    # The same accounts led by another of them are the same proposal: one is kept.
    by_seats: dict[frozenset[str], Syndicate] = {}
    for syndicate in best_by_lead_seat.values():
        kept = by_seats.get(syndicate.seats)
        if kept is None or _same_seats_key(syndicate) < _same_seats_key(kept):
            by_seats[syndicate.seats] = syndicate
    ranked = sorted(by_seats.values(), key=_rank_key)[:limit]
    if ranked:
        return Composition(ranked, None, reachable)
    if not leads:
        obstacle = Obstacle.NO_LEAD
    elif reachable < rules.lowest_total(ask):
        obstacle = Obstacle.CANNOT_COVER
    else:
        obstacle = Obstacle.NO_COMBINATION
    return Composition([], obstacle, reachable)


def _reachable_total(candidates: Sequence[Candidate]) -> Decimal:
    largest_by_seat: dict[str, Decimal] = {}
    for candidate in candidates:
        largest_by_seat[candidate.seat] = max(
            candidate.ticket_max, largest_by_seat.get(candidate.seat, Decimal(0))
        )
    return sum(largest_by_seat.values(), Decimal(0))


def _can_lead(candidate: Candidate, ask: Decimal, rules: SyndicateRules) -> bool:
    return candidate.invests_at_stage and candidate.ticket_max >= rules.lead_min_ticket(ask)


@dataclass(frozen=True, slots=True)
class _Follower:
    """A possible follower under one lead: its ticket is capped by the lead's maximum."""

    candidate: Candidate
    cap: Decimal


class _LookAhead:
    """For each position of the follower pool, the sums of the ``depth`` largest caps and
    the ``depth`` smallest minimum tickets from there on: what the best completion of a
    partly chosen syndicate could reach. It ignores seats (two mandates of one account both
    count), so it is optimistic: the final choice is checked exactly."""

    def __init__(self, pool: Sequence[_Follower], depth: int) -> None:
        self._largest_caps: list[list[Decimal]] = [[] for _ in range(len(pool) + 1)]
        self._smallest_mins: list[list[Decimal]] = [[] for _ in range(len(pool) + 1)]
        for position in range(len(pool) - 1, -1, -1):
            follower = pool[position]
            caps = sorted([follower.cap, *self._largest_caps[position + 1]], reverse=True)
            mins = sorted([follower.candidate.ticket_min, *self._smallest_mins[position + 1]])
            self._largest_caps[position] = caps[:depth]
            self._smallest_mins[position] = mins[:depth]

    def remaining(self, position: int) -> int:
        return len(self._largest_caps[position])

    def largest_caps(self, position: int, count: int) -> Decimal:
        return sum(self._largest_caps[position][:count], Decimal(0))

    def smallest_mins(self, position: int, count: int) -> Decimal:
        return sum(self._smallest_mins[position][:count], Decimal(0))


def _best_for_lead(
    ask: Decimal, lead: Candidate, ordered: Sequence[Candidate], rules: SyndicateRules
) -> Syndicate | None:
    """The syndicate ``lead`` leads with the fewest followers, the best-fitting of those."""
    lowest, highest = rules.lowest_total(ask), rules.highest_total(ask)
    # A follower whose minimum exceeds the lead's maximum would out-invest the lead.
    pool = [
        _Follower(candidate, min(candidate.ticket_max, lead.ticket_max))
        for candidate in ordered
        if candidate.seat != lead.seat and candidate.ticket_min <= lead.ticket_max
    ]
    look_ahead = _LookAhead(pool, rules.max_followers)
    for count in range(1, rules.max_followers + 1):
        if look_ahead.remaining(0) < count:
            return None
        if lead.ticket_min + look_ahead.smallest_mins(0, count) > highest:
            return None  # every further follower only adds to the minimum total
        if lead.ticket_max + look_ahead.largest_caps(0, count) < lowest:
            continue  # more followers are needed
        followers = _pick_followers(lead, pool, look_ahead, count, lowest, highest)
        syndicate = None if followers is None else _allocate(ask, lead, followers, rules)
        if syndicate is None:
            syndicate = _search_followers(ask, lead, pool, count, rules)
        if syndicate is not None:
            return syndicate
    return None


def _search_followers(
    ask: Decimal, lead: Candidate, pool: Sequence[_Follower], count: int, rules: SyndicateRules
) -> Syndicate | None:
    """When the greedy choice fails: every combination of ``count`` followers among the
    best-fitting ``SEARCH_POOL`` of the pool, better fits first (combinations keep the pool's
    order), up to ``SEARCH_COMBINATIONS`` of them. Exhaustive on small pools."""
    tried = 0
    for followers in itertools.combinations(pool[:SEARCH_POOL], count):
        seats = {lead.seat, *(f.candidate.seat for f in followers)}
        if len(seats) != count + 1:
            continue
        syndicate = _allocate(ask, lead, followers, rules)
        if syndicate is not None:
            return syndicate
        tried += 1
        if tried >= SEARCH_COMBINATIONS:
            return None
    return None


def _pick_followers(
    lead: Candidate,
    pool: Sequence[_Follower],
    look_ahead: _LookAhead,
    count: int,
    lowest: Decimal,
    highest: Decimal,
) -> list[_Follower] | None:
    """``count`` followers in order of fit, each kept if the rest of the pool can still
    complete the syndicate within the coverage."""
    chosen: list[_Follower] = []
    seats = {lead.seat}
    caps, mins = lead.ticket_max, lead.ticket_min
    for position, follower in enumerate(pool):
        if len(chosen) == count:
            break
        if follower.candidate.seat in seats:
            continue
        still_needed = count - len(chosen) - 1
        if look_ahead.remaining(position + 1) < still_needed:
            break
        reach = caps + follower.cap + look_ahead.largest_caps(position + 1, still_needed)
        floor = (
            mins
            + follower.candidate.ticket_min
            + look_ahead.smallest_mins(position + 1, still_needed)
        )
        if reach < lowest or floor > highest:
            continue
        chosen.append(follower)
        seats.add(follower.candidate.seat)
        caps += follower.cap
        mins += follower.candidate.ticket_min
    return chosen if len(chosen) == count else None


def _allocate(
    ask: Decimal, lead: Candidate, followers: Sequence[_Follower], rules: SyndicateRules
) -> Syndicate | None:
    """Tickets for a chosen lead and followers, or None when the rules cannot all hold.

    The lead's ticket is at least its minimum, a lead's share of the ask and every
    follower's minimum (the lead carries the most); within that it carries as much of the
    ask as the followers' minimum tickets leave, up to its maximum. The total is then the ask
    itself when the followers' ranges allow it, else as close to it as they allow."""
    followers_min = sum((f.candidate.ticket_min for f in followers), Decimal(0))
    lead_floor = max(
        lead.ticket_min,
        rules.lead_min_ticket(ask),
        *(f.candidate.ticket_min for f in followers),
    )
    if lead_floor > lead.ticket_max:
        return None
    lead_ticket = min(lead.ticket_max, max(lead_floor, ask - followers_min))
    followers_cap = sum((min(f.cap, lead_ticket) for f in followers), Decimal(0))
    total = min(max(ask, lead_ticket + followers_min), lead_ticket + followers_cap)
    if not rules.lowest_total(ask) <= total <= rules.highest_total(ask):
        return None
    left = total - lead_ticket - followers_min
    tickets: list[Decimal] = []
    for follower in followers:  # in order of fit: the better fit gets more
        extra = min(left, min(follower.cap, lead_ticket) - follower.candidate.ticket_min)
        tickets.append(follower.candidate.ticket_min + extra)
        left -= extra
    if left:
        return None
    follower_members = sorted(
        (
            Member(f.candidate, "follower", ticket)
            for f, ticket in zip(followers, tickets, strict=True)
        ),
        key=lambda m: (-m.ticket, -m.candidate.score, m.candidate.investor_id),
    )
    members = (Member(lead, "lead", lead_ticket), *follower_members)
    return Syndicate(members=members, total=total, combined_fit=_combined_fit(members, total))


def _combined_fit(members: Sequence[Member], total: Decimal) -> float:
    """The members' scores weighted by their tickets. Scores are floats, not money: the
    weights are the tickets' shares of the total."""
    weighted = sum(float(member.ticket / total) * member.candidate.score for member in members)
    return round(min(max(weighted, 0.0), 1.0), FIT_DECIMALS)


def _rank_key(syndicate: Syndicate) -> tuple[float, int, float, str]:
    lead = syndicate.lead.candidate
    return (-syndicate.combined_fit, len(syndicate.members), -lead.score, lead.investor_id)


def _same_seats_key(syndicate: Syndicate) -> tuple[bool, float, int, float, str]:
    """Among syndicates of the same accounts, the one led by an investor with a history of
    leading first, then by rank."""
    return (syndicate.lead.candidate.lead_rounds == 0, *_rank_key(syndicate))

"""The composer on handcrafted candidates: coverage within 10% of the ask, every ticket within
its range, one seat per account, a lead that carries the most, a deterministic order."""

from __future__ import annotations

import itertools
import math
import random
from decimal import Decimal

import pytest

from service.syndicates.composer import (
    Candidate,
    Composition,
    Obstacle,
    Syndicate,
    SyndicateRules,
    compose,
)

BILLION = Decimal(1_000_000_000)
MILLION = Decimal(1_000_000)
ASK = 3 * BILLION  # Stepfun's 3 billion yuan


def candidate(
    name: str,
    score: float,
    low: Decimal,
    high: Decimal,
    *,
    seat: str | None = None,
    at_stage: bool = True,
    lead_rounds: int = 0,
) -> Candidate:
    return Candidate(
        investor_id=name,
        seat=seat or f"account of {name}",
        score=score,
        ticket_min=low,
        ticket_max=high,
        invests_at_stage=at_stage,
        lead_rounds=lead_rounds,
    )


def assert_valid(syndicate: Syndicate, ask: Decimal, by_id: dict[str, Candidate]) -> None:
    """Every rule a syndicate must keep, checked in exact decimals."""
    tickets = [member.ticket for member in syndicate.members]
    assert syndicate.total == sum(tickets, Decimal(0))
    assert Decimal("0.9") * ask <= syndicate.total <= Decimal("1.1") * ask
    for member in syndicate.members:
        given = by_id[member.candidate.investor_id]
        assert given.ticket_min <= member.ticket <= given.ticket_max
        assert member.ticket == member.ticket.quantize(Decimal("0.01"))
    seats = [member.candidate.seat for member in syndicate.members]
    assert len(set(seats)) == len(seats), "one account, one seat"
    lead = syndicate.lead
    assert lead.role == "lead"
    assert [m.role for m in syndicate.followers] == ["follower"] * len(syndicate.followers)
    assert syndicate.followers, "a syndicate has followers"
    assert lead.candidate.invests_at_stage
    assert lead.ticket >= max(m.ticket for m in syndicate.followers)
    assert lead.ticket >= ask / 5


def compose_checked(
    ask: Decimal, candidates: list[Candidate], *, limit: int = 5, **rules: object
) -> Composition:
    composition = compose(ask, candidates, limit=limit, rules=SyndicateRules(**rules))  # type: ignore[arg-type]
    by_id = {c.investor_id: c for c in candidates}
    for syndicate in composition.syndicates:
        assert_valid(syndicate, ask, by_id)
    leads = [s.lead.candidate.seat for s in composition.syndicates]
    assert len(set(leads)) == len(leads), "distinct leads"
    assert len({s.seats for s in composition.syndicates}) == len(composition.syndicates)
    return composition


def members(syndicate: Syndicate) -> list[tuple[str, str, Decimal]]:
    return [(m.candidate.investor_id, m.role, m.ticket) for m in syndicate.members]


def test_three_billion_from_one_billion_tickets_is_a_lead_and_two_followers() -> None:
    candidates = [
        candidate("Hillhouse", 0.95, 300 * MILLION, BILLION),
        candidate("Sequoia", 0.90, 200 * MILLION, BILLION),
        candidate("Guidance fund", 0.80, 500 * MILLION, BILLION),
        candidate("Small VC", 0.99, 100 * MILLION, 400 * MILLION),
    ]
    composition = compose_checked(ASK, candidates)
    best = composition.syndicates[0]
    assert members(best) == [
        ("Hillhouse", "lead", BILLION),
        ("Sequoia", "follower", BILLION),
        ("Guidance fund", "follower", BILLION),
    ]
    assert best.total == ASK
    assert composition.obstacle is None
    # The fewest members first: Small VC's 400 million cannot replace a billion ticket.
    assert all(len(s.members) == 3 for s in composition.syndicates)


def test_the_total_is_the_ask_when_the_ranges_allow_and_the_lead_carries_most() -> None:
    candidates = [
        candidate("Lead", 0.9, BILLION, 2 * BILLION),
        candidate("A", 0.8, 100 * MILLION, 600 * MILLION),
        candidate("B", 0.7, 100 * MILLION, 600 * MILLION),
    ]
    best = compose_checked(ASK, candidates).syndicates[0]
    # The lead takes its maximum, the better-fitting follower its own, the other the rest.
    assert members(best) == [
        ("Lead", "lead", 2 * BILLION),
        ("A", "follower", 600 * MILLION),
        ("B", "follower", 400 * MILLION),
    ]
    assert best.total == ASK


def test_minimum_tickets_may_oversubscribe_by_at_most_ten_percent() -> None:
    ask = 1000 * MILLION
    within = [
        candidate("Lead", 0.9, 600 * MILLION, 700 * MILLION),
        candidate("F", 0.8, 450 * MILLION, 500 * MILLION),
    ]
    best = compose_checked(ask, within).syndicates[0]
    assert best.total == 1050 * MILLION  # both at their minimum: 5% over the ask
    too_much = [
        candidate("Lead", 0.9, 700 * MILLION, 700 * MILLION),
        candidate("F", 0.8, 450 * MILLION, 500 * MILLION),
    ]
    composition = compose_checked(ask, too_much)
    assert (composition.syndicates, composition.obstacle) == ([], Obstacle.NO_COMBINATION)


def test_maximum_tickets_may_fall_short_by_at_most_ten_percent() -> None:
    ask = 1000 * MILLION
    best = compose_checked(
        ask,
        [
            candidate("Lead", 0.9, 100 * MILLION, 500 * MILLION),
            candidate("F", 0.8, 100 * MILLION, 400 * MILLION),
        ],
    ).syndicates[0]
    assert best.total == 900 * MILLION
    short = compose_checked(
        ask,
        [
            candidate("Lead", 0.9, 100 * MILLION, 500 * MILLION),
            candidate("F", 0.8, 100 * MILLION, Decimal("399999999.99")),
        ],
    )
    assert (short.syndicates, short.obstacle) == ([], Obstacle.CANNOT_COVER)
    assert short.reachable_total == Decimal("899999999.99")


def test_amounts_stay_exact_to_the_cent() -> None:
    ask = Decimal("3000000000.01")
    candidates = [
        candidate("Lead", 0.9, Decimal("0.01"), Decimal("1234567890.12")),
        candidate("A", 0.8, Decimal("0.01"), Decimal("987654321.98")),
        candidate("B", 0.7, Decimal("0.01"), Decimal("1000000000.00")),
    ]
    best = compose_checked(ask, candidates).syndicates[0]
    assert best.total == ask
    assert [m.ticket for m in best.members] == [
        Decimal("1234567890.12"),
        Decimal("987654321.98"),
        Decimal("777777787.91"),
    ]


def test_one_account_takes_one_seat() -> None:
    candidates = [
        candidate("Hillhouse growth", 0.95, 500 * MILLION, BILLION, seat="Hillhouse"),
        candidate("Hillhouse AI", 0.94, 500 * MILLION, BILLION, seat="Hillhouse"),
        candidate("Sequoia", 0.90, 500 * MILLION, BILLION),
        candidate("Blackstone", 0.70, 500 * MILLION, BILLION),
    ]
    composition = compose_checked(ASK, candidates)
    assert {s.seats for s in composition.syndicates} == {
        frozenset({"Hillhouse", "account of Sequoia", "account of Blackstone"})
    }
    alone = compose_checked(ASK, candidates[:3])
    assert (alone.syndicates, alone.obstacle) == ([], Obstacle.CANNOT_COVER)


def test_the_lead_invests_at_the_stage_and_can_carry_a_fifth_of_the_ask() -> None:
    followers = [
        candidate("F1", 0.99, 100 * MILLION, BILLION, at_stage=False),
        candidate("F2", 0.98, 100 * MILLION, BILLION, at_stage=False),
        candidate("F3", 0.97, 100 * MILLION, BILLION, at_stage=False),
    ]
    no_lead = compose_checked(ASK, followers)
    assert (no_lead.syndicates, no_lead.obstacle) == ([], Obstacle.NO_LEAD)
    small = candidate("Small", 0.5, 100 * MILLION, Decimal("599999999.99"))
    assert compose_checked(ASK, [*followers, small]).obstacle is Obstacle.NO_LEAD
    able = candidate("Able", 0.5, 100 * MILLION, 600 * MILLION)
    # Its followers may not put in more than it does: 4 x 600 million fall short.
    capped = compose_checked(ASK, [*followers, able])
    assert (capped.syndicates, capped.obstacle) == ([], Obstacle.NO_COMBINATION)
    many = [
        candidate(f"F{n}", 0.9 - n / 100, 100 * MILLION, BILLION, at_stage=False) for n in range(5)
    ]
    composition = compose_checked(ASK, [*many, able])
    assert [s.lead.candidate.investor_id for s in composition.syndicates] == ["Able"]
    assert [m.ticket for m in composition.syndicates[0].members] == [600 * MILLION] * 5


def test_no_candidates_and_too_little_money_are_told_apart() -> None:
    empty = compose_checked(ASK, [])
    assert (empty.syndicates, empty.obstacle) == ([], Obstacle.NO_CANDIDATES)
    poor = compose_checked(
        ASK,
        [candidate("A", 0.9, 100 * MILLION, BILLION), candidate("B", 0.8, 100 * MILLION, BILLION)],
    )
    assert (poor.syndicates, poor.obstacle) == ([], Obstacle.CANNOT_COVER)
    assert poor.reachable_total == 2 * BILLION


def test_more_followers_than_allowed_is_no_combination() -> None:
    lead = candidate("Lead", 0.9, 100 * MILLION, 600 * MILLION)
    followers = [candidate(f"F{n}", 0.8, 100 * MILLION, 299 * MILLION) for n in range(10)]
    # 600 million + 8 x 299 million would do; at most 7 followers are allowed.
    composition = compose_checked(ASK, [lead, *followers])
    assert (composition.syndicates, composition.obstacle) == ([], Obstacle.NO_COMBINATION)
    allowed = compose_checked(ASK, [lead, *followers], max_followers=8)
    assert len(allowed.syndicates[0].members) == 9


def test_an_investor_funding_the_whole_ask_alone_still_gets_followers() -> None:
    candidates = [
        candidate("Giant", 0.9, 100 * MILLION, 5 * BILLION),
        candidate("F", 0.8, 100 * MILLION, BILLION),
    ]
    best = compose_checked(ASK, candidates).syndicates[0]
    assert members(best) == [
        ("Giant", "lead", Decimal(2900) * MILLION),
        ("F", "follower", 100 * MILLION),
    ]


def test_syndicates_rank_by_ticket_weighted_fit_with_distinct_leads() -> None:
    candidates = [
        candidate("A", 0.9, 500 * MILLION, 1500 * MILLION),
        candidate("B", 0.6, 500 * MILLION, 1500 * MILLION),
        candidate("C", 0.5, 500 * MILLION, 1500 * MILLION),
    ]
    composition = compose_checked(ASK, candidates)
    # A leads A+B: 1.5 bn x 0.9 + 1.5 bn x 0.6 -> 0.75; the same accounts led by B are the
    # same proposal; A leading A+C, or C leading, would need C's lower fit.
    assert [members(s) for s in composition.syndicates] == [
        [("A", "lead", 1500 * MILLION), ("B", "follower", 1500 * MILLION)],
        [("C", "lead", 1500 * MILLION), ("A", "follower", 1500 * MILLION)],
    ]
    assert [s.combined_fit for s in composition.syndicates] == [0.75, 0.7]
    fits = [s.combined_fit for s in composition.syndicates]
    assert fits == sorted(fits, reverse=True)


def test_a_history_of_leading_decides_who_leads_the_same_investors() -> None:
    candidates = [
        candidate("A", 0.9, 500 * MILLION, 1500 * MILLION),
        candidate("B", 0.8, 500 * MILLION, 1500 * MILLION, lead_rounds=2),
    ]
    best = compose_checked(ASK, candidates).syndicates
    assert [s.lead.candidate.investor_id for s in best] == ["B"]


def test_the_order_given_never_changes_the_answer() -> None:
    generator = random.Random(20261105)
    candidates = [
        candidate(
            f"investor {n:02d}",
            round(generator.uniform(0.3, 1.0), 2),
            Decimal(generator.randrange(50, 400)) * MILLION,
            Decimal(generator.randrange(400, 1600)) * MILLION,
            seat=f"account {n % 17}",
            at_stage=generator.random() < 0.6,
            lead_rounds=generator.choice([0, 0, 1]),
        )
        for n in range(40)
    ]
    first = compose_checked(ASK, candidates, limit=10)
    assert len(first.syndicates) == 10
    for _ in range(5):
        generator.shuffle(candidates)
        assert compose_checked(ASK, candidates, limit=10) == first


def test_the_limit_bounds_the_answer() -> None:
    candidates = [candidate(f"I{n}", 0.9 - n / 100, 500 * MILLION, BILLION) for n in range(8)]
    assert len(compose_checked(ASK, candidates, limit=2).syndicates) == 2
    assert len(compose_checked(ASK, candidates, limit=10).syndicates) == 6


def test_the_ask_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        compose(Decimal(0), [], limit=5)


def _feasible_by_enumeration(ask: int, candidates: list[Candidate], max_followers: int) -> bool:
    """Whether any lead and followers can be ticketed, by trying every subset and every
    whole-number lead ticket (the amounts are whole numbers): the followers' tickets can make
    any whole sum between their minimums and their maximums capped at the lead's ticket."""
    for lead in candidates:
        if not lead.invests_at_stage or lead.ticket_max * 5 < ask:
            continue
        others = [c for c in candidates if c is not lead and c.seat != lead.seat]
        for size in range(1, max_followers + 1):
            for followers in itertools.combinations(others, size):
                if len({lead.seat, *(f.seat for f in followers)}) != size + 1:
                    continue
                low = int(
                    max(lead.ticket_min, Decimal(ask) / 5, *(f.ticket_min for f in followers))
                    + Decimal("0.999999")
                )
                for lead_ticket in range(low, int(lead.ticket_max) + 1):
                    smallest = sum(int(f.ticket_min) for f in followers)
                    largest = sum(min(int(f.ticket_max), lead_ticket) for f in followers)
                    total_low = max(lead_ticket + smallest, math.ceil(ask * 0.9))
                    total_high = min(lead_ticket + largest, math.floor(ask * 1.1))
                    if smallest <= largest and total_low <= total_high:
                        return True
    return False


def test_a_syndicate_is_found_whenever_one_exists_on_small_candidate_sets() -> None:
    """Against every subset and lead ticket on 600 random small sets (whole amounts around an
    ask of 100): the composer finds a syndicate exactly when one exists."""
    rng = random.Random(20261202)
    found = 0
    for _ in range(600):
        candidates = []
        for number in range(rng.randint(2, 5)):
            low = rng.randint(5, 90)
            candidates.append(
                candidate(
                    f"c{number}",
                    round(rng.random(), 3),
                    Decimal(low),
                    Decimal(low + rng.choice([0, rng.randint(0, 60)])),
                    seat=f"s{rng.randint(0, 3)}",
                    at_stage=rng.random() < 0.7,
                )
            )
        composition = compose_checked(Decimal(100), candidates, max_followers=3)
        exists = _feasible_by_enumeration(100, candidates, 3)
        assert bool(composition.syndicates) == exists, candidates
        found += exists
    assert found > 100  # the sets are not all hopeless


def test_the_lead_rises_to_a_followers_minimum_when_the_ask_would_leave_it_below() -> None:
    """A lead of 1.56-2.91 billion and a follower of 1.59-2.07: the lead cannot take 1.41
    (below the follower), so both put in 1.59 and the total is 3.18, within 10%."""
    lead = candidate("lead", 0.9, Decimal("1.56") * BILLION, Decimal("2.91") * BILLION)
    follower = candidate(
        "follower", 0.8, Decimal("1.59") * BILLION, Decimal("2.07") * BILLION, at_stage=False
    )
    (syndicate,) = compose_checked(ASK, [lead, follower]).syndicates
    assert members(syndicate) == [
        ("lead", "lead", Decimal("1.59") * BILLION),
        ("follower", "follower", Decimal("1.59") * BILLION),
    ]
    assert syndicate.total == Decimal("3.18") * BILLION


def test_when_the_greedy_choice_cannot_be_ticketed_other_followers_are_tried() -> None:
    """A (at the stage, 0.3-1.26 billion), B (exactly 0.87), C (1.08-1.35, not at the stage):
    A leads at 1.08 with B and C, 3.03 billion in all."""
    a = candidate("A", 0.9, Decimal("0.3") * BILLION, Decimal("1.26") * BILLION)
    b = candidate("B", 0.8, Decimal("0.87") * BILLION, Decimal("0.87") * BILLION, at_stage=False)
    c = candidate("C", 0.7, Decimal("1.08") * BILLION, Decimal("1.35") * BILLION, at_stage=False)
    (syndicate,) = compose_checked(ASK, [a, b, c]).syndicates
    assert syndicate.total == Decimal("3.03") * BILLION
    assert syndicate.lead.candidate.investor_id == "A"
    assert syndicate.lead.ticket == Decimal("1.08") * BILLION

"""Which of the candidate pairs to propose: the most meetings for the requests furthest below
the aim, within each investor's free meetings.

Going request by request hands an investor's last free meetings to whichever request comes
first and leaves later ones with nothing: a commission officer saw two requests stay at 0 of 3
meetings while an investor who scored 0.94 on both spent its cap on a request that had a meeting
already, at 0.57. Here the choice is one minimum-cost flow. A request's next meeting is worth
more the fewer it has (its first more than another request's second), by more than every score
together can make up; among choices that cover equally, the higher scores win. Same candidates
in the same order, same arcs, same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

# A score is counted in thousandths: 0.943 -> 943.
_SCORE_UNITS = 1000


@dataclass(frozen=True, slots=True)
class Candidate:
    """One pair the ranking offers: the request, the mandate, the party whose cap it counts
    against (an account, or a mandate of its own) and the pair's score."""

    request_id: str
    profile_id: str
    party: str
    score: float


class AllocationFailed(RuntimeError):
    """The solver did not find the optimum (it always should: the problem is feasible)."""


def _has_room(free: int | None) -> bool:
    """A party may take another meeting: it has no cap (None) or meetings left under it."""
    return free is None or free > 0


def allocate(
    *,
    candidates: Sequence[Candidate],
    held: Mapping[str, int],
    coverage_k: int,
    free: Mapping[str, int | None],
) -> list[Candidate]:
    """The candidates to propose, in the order given.

    ``held``: live meetings per request (missing: none); a request gets at most
    ``coverage_k - held`` more. ``free``: meetings each party may still take (None: no cap).
    Each (request, mandate) pair appears at most once among ``candidates``.
    """
    usable = [
        c
        for c in candidates
        if held.get(c.request_id, 0) < coverage_k and _has_room(free.get(c.party))
    ]
    if not usable:
        return []
    # Every score together stays below one step of a request's need.
    priority = _SCORE_UNITS * (len(usable) + 1)
    requests = list(dict.fromkeys(c.request_id for c in usable))
    profiles = list(dict.fromkeys(c.profile_id for c in usable))
    parties = list(dict.fromkeys(c.party for c in usable))
    source, sink = 0, 1
    request_node = {r: 2 + i for i, r in enumerate(requests)}
    profile_node = {p: 2 + len(requests) + i for i, p in enumerate(profiles)}
    party_node = {p: 2 + len(requests) + len(profiles) + i for i, p in enumerate(parties)}
    flow = min_cost_flow.SimpleMinCostFlow()
    supply = 0
    for request_id in requests:
        have = held.get(request_id, 0)
        for meetings in range(have, coverage_k):
            # The (meetings+1)-th meeting of the request: worth coverage_k - meetings steps.
            flow.add_arc_with_capacity_and_unit_cost(
                source, request_node[request_id], 1, -priority * (coverage_k - meetings)
            )
            supply += 1
    pair_arcs = [
        flow.add_arc_with_capacity_and_unit_cost(
            request_node[c.request_id],
            profile_node[c.profile_id],
            1,
            -round(c.score * _SCORE_UNITS),
        )
        for c in usable
    ]
    party_of_profile = {c.profile_id: c.party for c in usable}
    for profile_id, party in party_of_profile.items():
        flow.add_arc_with_capacity_and_unit_cost(
            profile_node[profile_id], party_node[party], supply, 0
        )
    for party in parties:
        cap = free.get(party)
        flow.add_arc_with_capacity_and_unit_cost(
            party_node[party], sink, supply if cap is None else min(cap, supply), 0
        )
    # What no investor takes flows straight to the sink, at no cost: a need left open.
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise AllocationFailed(f"min-cost flow ended with status {status}")
    return [c for c, arc in zip(usable, pair_arcs, strict=True) if flow.flow(arc) > 0]

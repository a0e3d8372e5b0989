"""The commission's figures: what its meetings became, by event, sector, region or the
investors' origin.

* signing rate: of the pairs that had an accepted meeting, the share whose deal was signed (at
  some point, even if abandoned later); deals opened without a meeting count in the deal
  figures but not in the rate, which so never passes 1;
* funds-in-place ratio: the funds in place over the signed amounts of the signed deals, both
  in CNY at the deployment's exchange rates (exact decimals);
* overdue counts from each event's deadlines (``deadlines``);
* companies claimed twice: one unified social credit code registered by deals of requests in
  two regions or two events.

A request with several sectors counts in each of its sectors' rows (and once in the total).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Event,
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeStage,
)
from service.i18n.event_names import event_name
from service.outcomes.deadlines import Overdue, deadlines_of
from service.outcomes.service import today
from service.reference_data.catalog import Language, get_reference_data

RATIO_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")


class FiguresBy(enum.StrEnum):
    EVENT = "event"
    SECTOR = "sector"
    REGION = "region"
    ORIGIN = "origin"


NO_KEY = "none"
TOTAL_KEY = "all"
"""The key of the row of every group together."""


@dataclass
class Tally:
    meetings: int = 0
    met_and_signed: int = 0
    deals: int = 0
    signed: int = 0
    abandoned: int = 0
    signed_amount_cny: Decimal = Decimal(0)
    funds_in_place_cny: Decimal = Decimal(0)
    overdue_registration: int = 0
    overdue_production: int = 0

    @property
    def signing_rate(self) -> Decimal | None:
        if not self.meetings:
            return None
        return (Decimal(self.met_and_signed) / Decimal(self.meetings)).quantize(RATIO_PLACES)

    @property
    def funds_in_place_ratio(self) -> Decimal | None:
        if not self.signed_amount_cny:
            return None
        return (self.funds_in_place_cny / self.signed_amount_cny).quantize(RATIO_PLACES)


def figure_values(tally: Tally) -> dict[str, int | Decimal | None]:
    """A tally's figures by name, as a row of figures shows them: its counts and amounts and
    the two ratios derived from them."""
    return {
        **asdict(tally),
        "signing_rate": tally.signing_rate,
        "funds_in_place_ratio": tally.funds_in_place_ratio,
    }


@dataclass(frozen=True)
class DoubleClaim:
    credit_code: str
    outcome_ids: tuple[str, ...]
    regions: tuple[str, ...]
    event_ids: tuple[str, ...]


@dataclass
class Figures:
    by: FiguresBy
    groups: dict[str, Tally] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    double_claims: list[DoubleClaim] = field(default_factory=list)


def _in_cny(amount: Decimal, currency: str) -> Decimal:
    rate = get_reference_data().cny_per_unit.get(currency)
    if rate is None:
        raise ValueError(f"No exchange rate for {currency}")
    return (amount * rate).quantize(CENT)


def commission_figures(
    session: Session, by: FiguresBy, language: Language, event_id: str | None = None
) -> Figures:
    """The figures by one dimension (of one event's meetings and deals when ``event_id``)."""
    return figures_by(session, (by,), language, event_id)[by]


def figures_by(
    session: Session,
    dimensions: Iterable[FiguresBy],
    language: Language,
    event_id: str | None = None,
) -> dict[FiguresBy, Figures]:
    """The figures by each dimension, read in one pass: only the meetings and deals of
    ``event_id`` when it is given (a company it shares with another event is still flagged)."""
    meetings_query = select(Meeting).where(Meeting.status == MeetingStatus.ACCEPTED)
    outcomes_query = select(Outcome).order_by(Outcome.created_at, Outcome.id)
    if event_id is not None:
        meetings_query = meetings_query.where(Meeting.event_id == event_id)
    meetings = session.scalars(meetings_query).all()
    outcomes = session.scalars(outcomes_query).all()
    counted = [o for o in outcomes if event_id is None or o.event_id == event_id]
    # Only the requests and profiles the meetings and deals name are read.
    request_ids = {m.financing_request_id for m in meetings} | {
        o.financing_request_id for o in outcomes
    }
    profile_ids = {m.investor_profile_id for m in meetings} | {
        o.investor_profile_id for o in counted
    }
    regions: dict[str, str | None] = {}
    sectors: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(request_ids)):
        regions.update(
            session.execute(
                select(FinancingRequest.id, FinancingRequest.region).where(
                    FinancingRequest.id.in_(chunk)
                )
            )
            .tuples()
            .all()
        )
        for request_id, code in session.execute(
            select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code).where(
                FinancingRequestSector.financing_request_id.in_(chunk)
            )
        ):
            sectors[request_id].append(code)
    origins: dict[str, str] = {}
    for chunk in _chunks(sorted(profile_ids)):
        origins.update(
            session.execute(
                select(InvestorProfile.id, InvestorProfile.origin).where(
                    InvestorProfile.id.in_(chunk)
                )
            )
            .tuples()
            .all()
        )
    events = {e.id: e for e in session.scalars(select(Event))}

    def keys_of(by: FiguresBy, request_id: str, profile_id: str, event: str | None) -> list[str]:
        if by is FiguresBy.EVENT:
            return [event or NO_KEY]
        if by is FiguresBy.SECTOR:
            return sorted(sectors.get(request_id, [])) or [NO_KEY]
        if by is FiguresBy.REGION:
            return [regions.get(request_id) or NO_KEY]
        return [origins.get(profile_id) or NO_KEY]

    every = {by: Figures(by=by) for by in dimensions}
    # The total is the same whatever the rows: counted once, shared by every breakdown.
    total = Tally()
    for figures in every.values():
        figures.total = total

    def count(request_id: str, profile_id: str, event: str | None, add: Adder) -> None:
        for by, figures in every.items():
            for key in keys_of(by, request_id, profile_id, event):
                add(figures.groups.setdefault(key, Tally()))
        add(total)

    signed_pairs = {
        (o.investor_profile_id, o.financing_request_id) for o in outcomes if o.signed_on
    }
    for meeting in meetings:
        pair = (meeting.investor_profile_id, meeting.financing_request_id)
        count(
            meeting.financing_request_id,
            meeting.investor_profile_id,
            meeting.event_id,
            partial(_add_meeting, signed=pair in signed_pairs),
        )
    day = today()
    claims: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.credit_code:
            claims[outcome.credit_code].append(outcome)
    for outcome in counted:
        overdue = deadlines_of(outcome, events.get(outcome.event_id or ""), day).overdue
        count(
            outcome.financing_request_id,
            outcome.investor_profile_id,
            outcome.event_id,
            partial(_add_deal, outcome=outcome, overdue=overdue),
        )
    double_claims = [
        claim
        for claim in _double_claims(claims, regions)
        if event_id is None or any(o.event_id == event_id for o in claims[claim.credit_code])
    ]
    for by, figures in every.items():
        figures.double_claims = double_claims
        figures.names = _names(by, figures.groups, events, language)
    return every


Adder = Callable[[Tally], None]
# Ids per IN list: well below SQLite's and PostgreSQL's limits on bound parameters.
CHUNK = 5000


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _add_meeting(tally: Tally, *, signed: bool) -> None:
    tally.meetings += 1
    tally.met_and_signed += signed


def _add_deal(tally: Tally, *, outcome: Outcome, overdue: tuple[Overdue, ...]) -> None:
    tally.deals += 1
    tally.abandoned += outcome.stage is OutcomeStage.ABANDONED
    if outcome.signed_on is not None and outcome.signed_amount is not None:
        tally.signed += 1
        tally.signed_amount_cny += _in_cny(outcome.signed_amount, outcome.currency)
        tally.funds_in_place_cny += _in_cny(outcome.funds_in_place, outcome.currency)
    tally.overdue_registration += Overdue.REGISTRATION in overdue
    tally.overdue_production += Overdue.PRODUCTION in overdue


def _double_claims(
    claims: dict[str, list[Outcome]], regions_of: dict[str, str | None]
) -> list[DoubleClaim]:
    found = []
    for code, outcomes in sorted(claims.items()):
        regions = sorted(
            {region for o in outcomes if (region := regions_of.get(o.financing_request_id))}
        )
        event_ids = sorted({o.event_id for o in outcomes if o.event_id})
        if len(regions) > 1 or len(event_ids) > 1:
            found.append(
                DoubleClaim(code, tuple(o.id for o in outcomes), tuple(regions), tuple(event_ids))
            )
    return found


def _names(
    by: FiguresBy, groups: dict[str, Tally], events: dict[str, Event], language: Language
) -> dict[str, str]:
    reference = get_reference_data()
    names = {}
    for key in groups:
        if key == NO_KEY:
            names[key] = "—"
        elif by is FiguresBy.EVENT:
            event = events.get(key)
            names[key] = event_name(event, language) if event is not None else key
        else:
            kind = {"sector": "sector", "region": "region", "origin": "origin"}[by.value]
            names[key] = reference.name_of(kind, key, language)  # type: ignore[arg-type]
    return names

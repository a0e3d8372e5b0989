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
from dataclasses import dataclass, field
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


def commission_figures(session: Session, by: FiguresBy, language: Language) -> Figures:
    requests = {r.id: r for r in session.scalars(select(FinancingRequest))}
    sectors: dict[str, list[str]] = defaultdict(list)
    for request_id, code in session.execute(
        select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code)
    ):
        sectors[request_id].append(code)
    origins: dict[str, str] = dict(
        session.execute(select(InvestorProfile.id, InvestorProfile.origin)).tuples().all()
    )
    events = {e.id: e for e in session.scalars(select(Event))}

    def keys_of(request_id: str, profile_id: str, event_id: str | None) -> list[str]:
        request = requests.get(request_id)
        if by is FiguresBy.EVENT:
            return [event_id or NO_KEY]
        if by is FiguresBy.SECTOR:
            return sorted(sectors.get(request_id, [])) or [NO_KEY]
        if by is FiguresBy.REGION:
            return [(request.region if request is not None else None) or NO_KEY]
        return [origins.get(profile_id) or NO_KEY]

    figures = Figures(by=by)

    def count(keys: Iterable[str], add: Callable[[Tally], None]) -> None:
        for key in keys:
            add(figures.groups.setdefault(key, Tally()))
        add(figures.total)

    signed_pairs = set(
        session.execute(
            select(Outcome.investor_profile_id, Outcome.financing_request_id).where(
                Outcome.signed_on.is_not(None)
            )
        ).tuples()
    )
    for meeting in session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.ACCEPTED)):
        keys = keys_of(meeting.financing_request_id, meeting.investor_profile_id, meeting.event_id)
        pair = (meeting.investor_profile_id, meeting.financing_request_id)
        count(keys, partial(_add_meeting, signed=pair in signed_pairs))
    day = today()
    claims: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in session.scalars(select(Outcome).order_by(Outcome.created_at, Outcome.id)):
        keys = keys_of(outcome.financing_request_id, outcome.investor_profile_id, outcome.event_id)
        overdue = deadlines_of(outcome, events.get(outcome.event_id or ""), day).overdue
        count(keys, partial(_add_deal, outcome=outcome, overdue=overdue))
        if outcome.credit_code:
            claims[outcome.credit_code].append(outcome)
    figures.double_claims = _double_claims(claims, requests)
    figures.names = _names(by, figures.groups, events, language)
    return figures


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
    claims: dict[str, list[Outcome]], requests: dict[str, FinancingRequest]
) -> list[DoubleClaim]:
    found = []
    for code, outcomes in sorted(claims.items()):
        regions = sorted(
            {r.region for o in outcomes if (r := requests.get(o.financing_request_id)) and r.region}
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
            names[key] = event.name if event is not None else key
        else:
            kind = {"sector": "sector", "region": "region", "origin": "origin"}[by.value]
            names[key] = reference.name_of(kind, key, language)  # type: ignore[arg-type]
    return names

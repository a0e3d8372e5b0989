"""Investors' track records: deals they took part in, and the history the ranker reads."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import Deal, Feedback, FeedbackAction, FinancingRequest, InvestorProfile
from scoring.history import InvestorHistory, PastDeal, histories_from_deals, own_rounds
from service.audit_log.writer import record_audit
from service.core.settings import get_settings
from service.deals.schemas import DealWrite
from service.financing_requests.titles import title_as_read
from service.http.auth import Principal
from service.http.problems import Invalid, NotFound, field_problem

OBJECT_TYPE = "deal"


def closes_after_today(closed_on: dt.date) -> bool:
    """A deal is history: one dated after today is a slip of the keyboard. Today where the
    commission works: a deal closed today in Shanghai is not 'future' while UTC is still on
    yesterday."""
    return closed_on > dt.datetime.now(ZoneInfo(get_settings().display_time_zone)).date()


def record(
    *, session: Session, principal: Principal, profile: InvestorProfile, data: DealWrite
) -> Deal:
    if closes_after_today(data.closed_on):
        raise Invalid(
            "A deal cannot close in the future.",
            errors=[field_problem("closed_on", "future", "Must not be after today")],
        )
    deal = Deal(
        investor_profile_id=profile.id,
        company=data.company.strip(),
        sector=data.sector,
        stage=data.stage,
        region=data.region,
        amount=data.amount,
        currency=data.currency,
        closed_on=data.closed_on,
        recorded_by_account_id=principal.account_id,
    )
    session.add(deal)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="deal.create",
        object_type=OBJECT_TYPE,
        object_id=deal.id,
        changes=data.model_dump(mode="json"),
    )
    return deal


def recorded_keys(*, session: Session, profile: InvestorProfile) -> set[tuple[object, ...]]:
    """What identifies each of the profile's deals (``deal_key``): a file imported twice
    adds nothing the second time."""
    return {
        deal_key(deal)
        for deal in session.scalars(select(Deal).where(Deal.investor_profile_id == profile.id))
    }


def deal_key(deal: Deal | DealWrite) -> tuple[object, ...]:
    """The same company (case, width and spacing aside), sector, stage, region, amount and
    day: the same deal."""
    amount = None if deal.amount is None else Decimal(deal.amount).normalize()
    # Full-width letters and doubled spaces, as typed in Chinese input methods, aside.
    company = " ".join(unicodedata.normalize("NFKC", deal.company).split()).casefold()
    return (
        company,
        deal.sector,
        deal.stage,
        deal.region,
        amount,
        deal.currency if amount is not None else None,
        deal.closed_on,
    )


def list_for_investor(
    *, session: Session, profile: InvestorProfile, limit: int, offset: int
) -> tuple[Sequence[Deal], int]:
    """The profile's deals, latest first (ties by id)."""
    query = select(Deal).where(Deal.investor_profile_id == profile.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    deals = session.scalars(
        query.order_by(Deal.closed_on.desc(), Deal.id).limit(limit).offset(offset)
    ).all()
    return deals, total


def get(*, session: Session, profile: InvestorProfile, deal_id: str) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None or deal.investor_profile_id != profile.id:
        raise NotFound(f"No deal {deal_id} for investor {profile.id}.")
    return deal


def delete(*, session: Session, principal: Principal, deal: Deal) -> None:
    session.delete(deal)
    record_audit(
        session=session,
        principal=principal,
        action="deal.delete",
        object_type=OBJECT_TYPE,
        object_id=deal.id,
    )


@dataclass(frozen=True, slots=True)
class Commitment:
    """A commitment made through the service: the request, what was pledged and when."""

    financing_request_id: str
    company: str
    title: str
    amount: Decimal | None
    currency: str | None
    committed_at: dt.datetime


def commitments_of(*, session: Session, profile: InvestorProfile) -> list[Commitment]:
    """The profile's commitments through the service, latest first: deals of its track
    record that are not recorded by hand (``past_deals`` counts them too)."""
    rows = session.execute(
        select(
            FinancingRequest.id,
            FinancingRequest.company,
            title_as_read(),
            Feedback.amount,
            Feedback.currency,
            Feedback.updated_at,
        )
        .join(FinancingRequest, FinancingRequest.id == Feedback.financing_request_id)
        .where(
            Feedback.investor_profile_id == profile.id,
            Feedback.action == FeedbackAction.COMMITTED,
        )
        .order_by(Feedback.updated_at.desc(), FinancingRequest.id)
    ).tuples()
    return [Commitment(*row) for row in rows]


def past_deals(session: Session, investor_profile_ids: Sequence[str]) -> dict[str, list[PastDeal]]:
    """Each profile's track record: its recorded deals and the requests it committed to
    (a commitment through the service is a deal too, dated when it was made). Recorded deals
    first, then commitments, each oldest first: a round listed twice counts once, as first
    listed (``scoring.history``)."""
    deals: dict[str, list[PastDeal]] = {i: [] for i in investor_profile_ids}
    if not investor_profile_ids:
        return deals
    recorded = session.execute(
        select(
            Deal.investor_profile_id,
            Deal.company,
            Deal.sector,
            Deal.stage,
            Deal.region,
            Deal.closed_on,
        )
        .where(Deal.investor_profile_id.in_(investor_profile_ids))
        .order_by(Deal.closed_on, Deal.id)
    ).tuples()
    for profile_id, company, sector, stage, region, closed_on in recorded:
        deals[profile_id].append(PastDeal(company, sector, stage, region, closed_on))
    committed = session.execute(
        select(Feedback.investor_profile_id, Feedback.updated_at, FinancingRequest)
        .join(FinancingRequest, FinancingRequest.id == Feedback.financing_request_id)
        .options(selectinload(FinancingRequest.sector_links))
        .where(
            Feedback.investor_profile_id.in_(investor_profile_ids),
            Feedback.action == FeedbackAction.COMMITTED,
        )
        .order_by(Feedback.updated_at, Feedback.financing_request_id)
    ).tuples()
    for profile_id, committed_at, request in committed:
        sectors = sorted(link.code for link in request.sector_links)
        deals[profile_id].append(
            PastDeal(
                company=request.company,
                sector=sectors[0] if sectors else "",
                stage=request.stage,
                region=request.region,
                closed_on=committed_at.date(),
                request_id=request.id,
            )
        )
    return deals


def market_deals(
    session: Session, excluded_profile_ids: Sequence[str], *, before: dt.date
) -> list[list[PastDeal]]:
    """Every other profile's deals and commitments closed before ``before``, one list per
    profile: the co-investment counts read only their company, stage and day (which round
    they are) and who took part, so sector and region are left empty.

    Two plain column queries over the deals and the commitments (no ORM objects)."""
    excluded = set(excluded_profile_ids)
    deals: dict[str, list[PastDeal]] = {}
    recorded = session.execute(
        select(Deal.investor_profile_id, Deal.company, Deal.stage, Deal.closed_on)
        .where(Deal.closed_on < before)
        .order_by(Deal.closed_on, Deal.id)
    ).tuples()
    for profile_id, company, stage, closed_on in recorded:
        if profile_id not in excluded:
            deals.setdefault(profile_id, []).append(PastDeal(company, "", stage, None, closed_on))
    committed = session.execute(
        select(
            Feedback.investor_profile_id,
            Feedback.updated_at,
            FinancingRequest.company,
            FinancingRequest.stage,
        )
        .join(FinancingRequest, FinancingRequest.id == Feedback.financing_request_id)
        .where(Feedback.action == FeedbackAction.COMMITTED)
        .order_by(Feedback.updated_at, Feedback.financing_request_id)
    ).tuples()
    for profile_id, committed_at, company, stage in committed:
        day = committed_at.date()
        if profile_id not in excluded and day < before:
            deals.setdefault(profile_id, []).append(PastDeal(company, "", stage, None, day))
    return [deals[profile_id] for profile_id in sorted(deals)]


def investor_histories(
    session: Session, investor_profile_ids: Sequence[str], *, as_of: dt.date | None = None
) -> list[InvestorHistory]:
    """Each profile's history as the ranker reads it, as of ``as_of`` (default: tomorrow,
    so today's deals count), in the order given.

    The co-investment counts (``scoring.history``) also read every other profile's deals
    and commitments (``market_deals``): who shared a round with the profile, and who
    backed the company of a request."""
    day = as_of or dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    deals = past_deals(session, investor_profile_ids)
    market = market_deals(session, investor_profile_ids, before=day)
    histories = histories_from_deals(
        [deals[i] for i in investor_profile_ids], as_of=day, market=market
    )
    return [
        replace(history, own_rounds=own_rounds(deals[profile_id], before=day))
        for profile_id, history in zip(investor_profile_ids, histories, strict=True)
    ]


def investor_history(session: Session, investor_profile_id: str) -> InvestorHistory:
    """One profile's history as of today (see ``investor_histories``)."""
    return investor_histories(session, [investor_profile_id])[0]

"""What a match report reads from the database: requests and investors in scope, exact amounts,
and the feedback on in-scope pairs.

Core rows throughout (a report reads every profile and every in-scope amount; no ORM object per
row). Amounts stay exact: hundredths as integers for the whole scope, Decimals for the listed
requests only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from models import (
    Account,
    Feedback,
    FeedbackAction,
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    InvestorProfileRegion,
    InvestorProfileSector,
    InvestorProfileStage,
    RequestStatus,
)
from models.types import amount_in_hundredths
from scoring import InvestorRecord, RequestRecord
from service.financing_requests.service import text_to_match
from service.reference_data.catalog import ReferenceData

ID_CHUNK = 500  # ids per IN (...) query
CNY = "CNY"
FUNNEL_STEPS = {
    "interested": frozenset(
        {FeedbackAction.INTERESTED, FeedbackAction.MEETING, FeedbackAction.COMMITTED}
    ),
    "meeting": frozenset({FeedbackAction.MEETING, FeedbackAction.COMMITTED}),
    "committed": frozenset({FeedbackAction.COMMITTED}),
}


@dataclass(frozen=True, slots=True)
class ReportScope:
    event_id: str | None = None
    event_name: str | None = None
    sectors: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    event_date: date | None = None
    event_place: str | None = None
    event_name_en: str | None = None
    event_place_en: str | None = None


@dataclass(frozen=True, slots=True)
class RequestDetails:
    """What the document shows of one listed request, exactly as stored."""

    id: str
    company: str
    title: str
    sectors: tuple[str, ...]
    stage: str
    amount: Decimal
    currency: str
    region: str | None = None
    summary: str = ""
    title_en: str | None = None
    summary_en: str | None = None

    def record(self) -> RequestRecord:
        """The request as the matches explain it: region and text included, so a report
        gives the same reasons (a region outside the mandate's, shared terms)."""
        return RequestRecord(
            id=self.id,
            sectors=self.sectors,
            stage=self.stage,
            amount=self.amount,
            currency=self.currency,
            text=text_to_match(self.title, self.summary, self.title_en, self.summary_en),
            region=self.region,
            company=self.company,
        )


@dataclass(frozen=True, slots=True)
class ScopedInvestor:
    profile_id: str
    name: str
    record: InvestorRecord
    ticket_max_cny: Decimal
    firm: str
    """The account that keeps the mandate (the profile's own id when no account does): the
    investor a startup meets, however many of its mandates match."""
    firm_name: str | None = None
    """The account's name (None: no account keeps it)."""


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    """Latest feedback on in-scope pairs: the pairs that reached each step of the funnel, and
    the amount committed (in CNY)."""

    interested: int
    meeting: int
    committed: int
    committed_cny: Decimal


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _published_in(scope: ReportScope) -> ColumnElement[bool]:
    condition = FinancingRequest.status == RequestStatus.PUBLISHED
    if scope.event_id is not None:
        condition = condition & (FinancingRequest.event_id == scope.event_id)
    return condition


def load_amounts(session: Session, scope: ReportScope, ids: set[str]) -> dict[str, tuple[int, str]]:
    """Exact amount (in hundredths) and currency of each in-scope request, in one query."""
    connection = session.connection()  # Core rows: no ORM work per row
    hundredths = amount_in_hundredths(FinancingRequest.amount, connection.dialect)
    rows = connection.execute(
        select(FinancingRequest.id, hundredths, FinancingRequest.currency).where(
            _published_in(scope)
        )
    ).all()
    return {row[0]: (int(row[1]), row[2]) for row in rows if row[0] in ids}


def load_details(session: Session, ids: Sequence[str]) -> dict[str, RequestDetails]:
    """Everything the document shows of the listed requests."""
    wanted = sorted(set(ids))
    sectors: defaultdict[str, list[str]] = defaultdict(list)
    rows: list[Any] = []
    for chunk in _chunks(wanted):
        for request_id, code in session.execute(
            select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code)
            .where(FinancingRequestSector.financing_request_id.in_(chunk))
            .order_by(FinancingRequestSector.code)
        ):
            sectors[request_id].append(code)
        rows += session.execute(
            select(
                FinancingRequest.id,
                FinancingRequest.company,
                FinancingRequest.title,
                FinancingRequest.stage,
                FinancingRequest.amount,
                FinancingRequest.currency,
                FinancingRequest.region,
                FinancingRequest.summary,
                FinancingRequest.title_en,
                FinancingRequest.summary_en,
            ).where(FinancingRequest.id.in_(chunk))
        ).all()
    return {
        row.id: RequestDetails(
            id=row.id,
            company=row.company,
            title=row.title,
            sectors=tuple(sectors[row.id]),
            stage=row.stage,
            amount=row.amount,
            currency=row.currency,
            region=row.region,
            summary=row.summary,
            title_en=row.title_en,
            summary_en=row.summary_en,
        )
        for row in rows
    }


def load_investors(
    session: Session, scope: ReportScope, reference: ReferenceData
) -> tuple[list[ScopedInvestor], int]:
    """Profiles whose mandate overlaps the scope's sectors and stages, by id; and all profiles."""
    connection = session.connection()  # Core rows: a report reads every profile
    codes: dict[str, defaultdict[str, list[str]]] = {}
    for kind, table in (
        ("sectors", InvestorProfileSector),
        ("stages", InvestorProfileStage),
        ("regions", InvestorProfileRegion),
    ):
        codes[kind] = defaultdict(list)
        for profile_id, code in connection.execute(
            select(table.investor_profile_id, table.code).order_by(table.code)
        ):
            codes[kind][profile_id].append(code)
    profiles = connection.execute(
        select(
            InvestorProfile.id,
            InvestorProfile.owner_account_id,
            Account.name.label("firm_name"),
            InvestorProfile.name,
            InvestorProfile.thesis,
            InvestorProfile.ticket_min,
            InvestorProfile.ticket_max,
            InvestorProfile.currency,
        )
        .outerjoin(Account, Account.id == InvestorProfile.owner_account_id)
        .order_by(InvestorProfile.id)
    ).all()
    wanted_sectors = set().union(*(reference.related_sectors(code) for code in scope.sectors))
    wanted_stages = set(scope.stages)
    scoped = []
    for profile in profiles:
        record = InvestorRecord(
            id=profile.id,
            sectors=tuple(codes["sectors"][profile.id]),
            stages=tuple(codes["stages"][profile.id]),
            ticket_min=profile.ticket_min,
            ticket_max=profile.ticket_max,
            currency=profile.currency,
            thesis=profile.thesis,
            regions=tuple(codes["regions"][profile.id]),
        )
        if wanted_sectors and not wanted_sectors.intersection(record.sectors):
            continue
        if wanted_stages and not wanted_stages.intersection(record.stages):
            continue
        scoped.append(
            ScopedInvestor(
                profile_id=profile.id,
                name=profile.name,
                record=record,
                ticket_max_cny=profile.ticket_max * reference.cny_per_unit[profile.currency],
                firm=profile.owner_account_id or profile.id,
                firm_name=profile.firm_name,
            )
        )
    return scoped, len(profiles)


def load_feedback(
    session: Session,
    request_ids: set[str],
    investors: Sequence[ScopedInvestor],
    reference: ReferenceData,
) -> FeedbackCounts | None:
    """The funnel's counts over the in-scope pairs; None when none of them has feedback."""
    investor_ids = {i.profile_id for i in investors}
    rows = [
        row
        for row in session.execute(
            select(
                Feedback.investor_profile_id,
                Feedback.financing_request_id,
                Feedback.action,
                Feedback.amount,
                Feedback.currency,
            )
        ).all()
        if row.investor_profile_id in investor_ids and row.financing_request_id in request_ids
    ]
    if not rows:
        return None
    committed = sum(
        (
            row.amount * reference.cny_per_unit[row.currency or CNY]
            for row in rows
            if row.action is FeedbackAction.COMMITTED and row.amount is not None
        ),
        Decimal(0),
    )
    reached = {
        step: sum(1 for r in rows if r.action in actions) for step, actions in FUNNEL_STEPS.items()
    }
    return FeedbackCounts(
        interested=reached["interested"],
        meeting=reached["meeting"],
        committed=reached["committed"],
        committed_cny=committed,
    )

"""Stored mandates and requests as the scorer's plain records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import ChangeCounter, InvestorProfile
from scoring import InvestorRecord, RequestRecord
from service.financing_requests.schemas import StoredRequestFields
from service.financing_requests.service import matching_text
from service.reference_data.code_links import codes_of


def investor_record(profile: InvestorProfile) -> InvestorRecord:
    """A mandate as the scorer reads it (its code rows must be loaded)."""
    return InvestorRecord(
        id=profile.id,
        sectors=tuple(codes_of(profile.sector_links)),
        stages=tuple(codes_of(profile.stage_links)),
        ticket_min=profile.ticket_min,
        ticket_max=profile.ticket_max,
        currency=profile.currency,
        thesis=profile.thesis,
        regions=tuple(codes_of(profile.region_links)),
    )


def request_record(request: StoredRequestFields, sectors: Sequence[str]) -> RequestRecord:
    """A financing request (an ORM row or a Core row of its columns) with its sectors."""
    return RequestRecord(
        id=request.id,
        sectors=tuple(sectors),
        stage=request.stage,
        amount=request.amount,
        currency=request.currency,
        text=matching_text(request),
        region=request.region,
        event_id=request.event_id,
        company=request.company,
    )


def load_mandates(
    session: Session, *, limit: int | None = None, ids: Sequence[str] | None = None
) -> list[InvestorProfile]:
    """Investor profiles (those of ``ids`` only, when given) with their code rows, in id
    order (the order ties are broken in)."""
    query = (
        select(InvestorProfile)
        .options(
            selectinload(InvestorProfile.sector_links),
            selectinload(InvestorProfile.stage_links),
            selectinload(InvestorProfile.region_links),
        )
        .order_by(InvestorProfile.id)
    )
    if ids is not None:
        if not ids:
            return []
        query = query.where(InvestorProfile.id.in_(list(ids)))
    return list(session.scalars(query if limit is None else query.limit(limit)))


def mandate_probe(session: Session) -> tuple[int, dt.datetime | None]:
    """The mandates' change counter and latest write (``MandateProbe``), by two index reads.
    The counter moves on every write to ``investor_profiles`` (a database trigger bumps it,
    whatever wrote); the latest write tells apart two writes that left the counter at the
    same value (one rolled back, the other committed)."""
    counter = (
        select(ChangeCounter.value)
        .where(ChangeCounter.table_name == "investor_profiles")
        .scalar_subquery()
    )
    value, latest = session.execute(
        select(counter, select(func.max(InvestorProfile.updated_at)).scalar_subquery())
    ).one()
    if isinstance(latest, str):  # SQLite aggregates skip the column type
        latest = dt.datetime.fromisoformat(latest)
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=dt.UTC)
    return int(value or 0), latest

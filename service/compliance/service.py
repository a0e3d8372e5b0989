"""The commission's compliance check: which published requests the foreign-investment negative
lists restrict or close, which foreign mandates that touches, and the pairs it blocks.

A pair is *blocked* when a foreign mandate would match a request (sector, ticket and stage each
fit) that the list of the request's region closes to foreign investment; a *restricted* pair
matches and carries a reason stating the restriction. Requests are classified on the index's
arrays (the ranking's own classes), so the check and the rankings agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import FinancingRequest
from scoring.mandate_stack import MandateStack
from scoring.reasons import Reason
from service.i18n.reasons import Reader, render_reason
from service.i18n.request_text import request_title
from service.ranking.compliance import (
    OPEN,
    compliance_reason,
    foreign_profile_ids,
    request_compliance,
    row_classes,
)
from service.ranking.index import MatchIndex
from service.ranking.records import investor_record, load_mandates, request_record
from service.ranking.serving import rounded_score
from service.reference_data.catalog import Language
from service.reference_data.code_links import codes_of
from service.reference_data.foreign_investment import Compliance


@dataclass(frozen=True, slots=True)
class AffectedRequest:
    id: str
    company: str
    title: str
    sectors: tuple[str, ...]
    region: str | None
    compliance: Compliance
    blocked_pairs: int = 0
    restricted_pairs: int = 0


@dataclass(frozen=True, slots=True)
class AffectedMandate:
    id: str
    name: str
    blocked_pairs: int
    restricted_pairs: int


@dataclass(frozen=True, slots=True)
class CheckedPair:
    investor_profile_id: str
    investor_name: str
    financing_request_id: str
    company: str
    title: str
    score: float
    reason: Reason
    text: str


@dataclass
class ComplianceCheck:
    """What the check found: requests prohibited first, then by company; mandates and pairs
    by investor name (ties by id)."""

    published_requests: int
    foreign_mandates: int
    requests: list[AffectedRequest] = field(default_factory=list)
    mandates: list[AffectedMandate] = field(default_factory=list)
    blocked_pairs: list[CheckedPair] = field(default_factory=list)
    restricted_pairs: list[CheckedPair] = field(default_factory=list)


def _affected_ids(session: Session, index: MatchIndex) -> tuple[list[str], int]:
    """The published requests whose class is not open, by id; and how many are published."""
    state = index.current(session)
    ids: list[bytes] = []
    for segment, alive in ((state.base, state.base_alive), (state.delta, None)):
        if not len(segment):
            continue
        affected = row_classes(state.scorer, segment) != OPEN
        if alive is not None:
            affected &= alive
        ids.extend(segment.ids[affected].tolist())
    return sorted(i.decode() for i in ids), state.size


def check_compliance(session: Session, index: MatchIndex, language: Language) -> ComplianceCheck:
    """The check on the published requests and every foreign mandate, reasons in
    ``language``."""
    affected_ids, published = _affected_ids(session, index)
    foreign_ids = foreign_profile_ids(session)
    mandates = load_mandates(session, ids=sorted(foreign_ids)) if foreign_ids else []
    check = ComplianceCheck(published_requests=published, foreign_mandates=len(mandates))
    if not affected_ids:
        return check
    rows = session.scalars(
        select(FinancingRequest)
        .options(selectinload(FinancingRequest.sector_links))
        .where(FinancingRequest.id.in_(affected_ids))
        .order_by(FinancingRequest.id)
    ).all()
    scorer = index.current(session).scorer
    records = [investor_record(profile) for profile in mandates]
    features = scorer.investors_features(records) if records else []
    stack = MandateStack.of(features) if features else None
    counts: dict[str, list[int]] = {profile.id: [0, 0] for profile in mandates}
    for row in rows:
        request = request_record(row, codes_of(row.sector_links))
        compliance = request_compliance(request)
        if not compliance.affected:  # the rules changed since the index classified it
            continue
        blocked = restricted = 0
        if records:
            components = scorer.investor_components(records, request, stack)
            reason = compliance_reason(compliance)
            assert reason is not None
            for position in np.flatnonzero(components.fits).tolist():
                profile = mandates[position]
                pair = CheckedPair(
                    investor_profile_id=profile.id,
                    investor_name=profile.name,
                    financing_request_id=row.id,
                    company=row.company,
                    title=request_title(row, language),
                    score=rounded_score(float(components.score[position])),
                    reason=reason,
                    text=render_reason(reason, Reader(profile.name), language),
                )
                if compliance.is_prohibited:
                    check.blocked_pairs.append(pair)
                    counts[profile.id][0] += 1
                    blocked += 1
                else:
                    check.restricted_pairs.append(pair)
                    counts[profile.id][1] += 1
                    restricted += 1
        check.requests.append(
            AffectedRequest(
                id=row.id,
                company=row.company,
                title=request_title(row, language),
                sectors=request.sectors,
                region=row.region,
                compliance=compliance,
                blocked_pairs=blocked,
                restricted_pairs=restricted,
            )
        )
    # Prohibited first, then by company (ties by id): the same order on every database.
    check.requests.sort(key=lambda r: (not r.compliance.is_prohibited, r.company, r.id))
    check.mandates = [
        AffectedMandate(profile.id, profile.name, *counts[profile.id])
        for profile in sorted(mandates, key=lambda p: (p.name, p.id))
        if any(counts[profile.id])
    ]
    order = {profile.id: (profile.name, profile.id) for profile in mandates}
    check.blocked_pairs.sort(key=lambda p: (order[p.investor_profile_id], p.financing_request_id))
    check.restricted_pairs.sort(
        key=lambda p: (order[p.investor_profile_id], p.financing_request_id)
    )
    return check

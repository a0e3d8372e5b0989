"""Ranked, explained matches in both directions, from the in-memory index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (
    FinancingRequest,
    FinancingRequestSector,
    InvestorProfile,
    ModelStatus,
    RankingModel,
    RequestStatus,
)
from scoring import InvestorRecord, MatchScorer, RequestFilter, RequestRecord
from scoring.history import InvestorHistory
from scoring.learned import LearnedRanker
from service.deals.service import investor_histories, investor_history
from service.financing_requests.schemas import FinancingRequestOut, StoredRequestFields
from service.financing_requests.service import matching_text
from service.http.auth import Principal
from service.investors.schemas import InvestorOut
from service.investors.service import load_codes
from service.matches.schemas import (
    ComponentsOut,
    InvestorMatchOut,
    RankingModelOut,
    RequestMatchOut,
)
from service.ranking.index import CachedMandate, IndexState, MatchIndex
from service.reference_data.catalog import get_reference_data
from service.reference_data.code_links import codes_of

DEFAULT_MODEL_VERSION = "default-v1"
SCORE_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class MatchFilters:
    sector: str | None = None
    stage: str | None = None
    region: str | None = None
    event_id: str | None = None
    excluded_ids: frozenset[str] = frozenset()


def make_default_scorer() -> MatchScorer:
    reference = get_reference_data()
    return MatchScorer(
        sector_codes=[s.code for s in reference.sectors],
        stage_order=[s.code for s in reference.stages],
        cny_per_unit=dict(reference.cny_per_unit),
    )


def investor_record(profile: InvestorProfile) -> InvestorRecord:
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


@dataclass(frozen=True, slots=True)
class ServingRanker:
    """What ranks the matches now: the default weights, or the active learned version."""

    description: RankingModelOut
    learned: LearnedRanker | None


def serving_ranker(session: Session, index: MatchIndex, scorer: MatchScorer) -> ServingRanker:
    row = session.execute(
        select(RankingModel.id, RankingModel.version, RankingModel.parameters).where(
            RankingModel.status == ModelStatus.ACTIVE
        )
    ).first()
    if row is None:
        return ServingRanker(
            RankingModelOut(version=DEFAULT_MODEL_VERSION, weights=scorer.weights), None
        )
    learned = index.learned_ranker(row.id, row.parameters)
    weights = dict(zip(learned.to_dict()["feature_names"], learned.coefficients_, strict=False))
    return ServingRanker(
        RankingModelOut(version=f"learned-v{row.version}", weights=weights), learned
    )


def _request_filter(state: IndexState, filters: MatchFilters) -> RequestFilter:
    scorer = state.scorer
    sector_columns = None
    if filters.sector is not None:
        related = get_reference_data().related_sectors(filters.sector)
        sector_columns = frozenset(
            scorer.taxonomy_.index[c] for c in related if c in scorer.taxonomy_.index
        )
    return RequestFilter(
        sector_columns=sector_columns,
        stage_position=scorer.ladder_.index.get(filters.stage, -1) if filters.stage else None,
        region_code=scorer.regions_.lookup(filters.region) if filters.region else None,
        event_code=scorer.events_.lookup(filters.event_id) if filters.event_id else None,
        excluded_ids=filters.excluded_ids,
    )


def _rounded(value: float) -> float:
    return round(min(max(value, 0.0), 1.0), SCORE_DECIMALS)


def rank_requests_for_investor(
    *,
    session: Session,
    index: MatchIndex,
    profile: InvestorProfile,
    viewer: Principal,
    filters: MatchFilters,
    limit: int,
    offset: int,
    min_score: float,
) -> tuple[list[RequestMatchOut], int, RankingModelOut]:
    """Published requests for one mandate, best first, each with its reasons."""
    state = index.current(session)
    scorer = state.scorer
    mandate = index.cached_mandate(state, profile.id, profile.revision)
    if mandate is None:
        investor = investor_record(load_codes(session=session, profile=profile))
        mandate = CachedMandate(record=investor, features=scorer.investor_features(investor))
        index.remember_mandate(state, profile.id, profile.revision, mandate)
    investor, features = mandate.record, mandate.features
    request_filter = _request_filter(state, filters)
    segments = [
        (state.base, state.base_alive & scorer.filter_mask(state.base, request_filter)),
        (state.delta, scorer.filter_mask(state.delta, request_filter)),
    ]
    serving = serving_ranker(session, index, scorer)
    history = (
        investor_history(session, profile.id)
        if serving.learned is not None and serving.learned.uses_history
        else None
    )
    with index.ranking_slots:
        ranked, total = scorer.rank_segments(
            features,
            segments,
            limit=limit,
            offset=offset,
            min_score=min_score,
            learned=serving.learned,
            history=history,
        )
    by_id = _published_requests(session, [r.id for r in ranked])
    items = []
    for match in ranked:
        page_request = by_id.get(match.id)
        if page_request is None:  # unpublished since the snapshot was taken
            continue
        items.append(
            RequestMatchOut(
                financing_request=FinancingRequestOut.from_fields(
                    page_request.row, sectors=page_request.sectors, viewer=viewer
                ),
                score=_rounded(match.score),
                components=ComponentsOut(
                    sector=_rounded(match.sector),
                    ticket=_rounded(match.ticket),
                    stage=_rounded(match.stage),
                ),
                reasons=scorer.explain(
                    investor,
                    request_record(page_request.row, page_request.sectors),
                    match.text,
                    history,
                ),
            )
        )
    return items, total, serving.description


@dataclass(frozen=True, slots=True)
class PageRequest:
    row: StoredRequestFields
    sectors: list[str]


def _published_requests(session: Session, ids: Sequence[str]) -> dict[str, PageRequest]:
    """The page's requests with their sectors, in two Core queries (no ORM objects)."""
    if not ids:
        return {}
    columns = [c for c in FinancingRequest.__table__.c if c.name != "text_features"]
    # Status is checked here, not in SQL: given "status = ..." SQLite may scan the status
    # index instead of looking the ids up by primary key.
    rows = session.execute(select(*columns).where(FinancingRequest.id.in_(ids))).all()
    sectors: dict[str, list[str]] = {}
    for request_id, code in session.execute(
        select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code)
        .where(FinancingRequestSector.financing_request_id.in_(ids))
        .order_by(FinancingRequestSector.code)
    ):
        sectors.setdefault(request_id, []).append(code)
    return {
        row.id: PageRequest(row=row, sectors=sectors.get(row.id, []))
        for row in rows
        if row.status == RequestStatus.PUBLISHED
    }


def rank_investors_for_request(
    *,
    session: Session,
    index: MatchIndex,
    financing_request: FinancingRequest,
    limit: int,
    offset: int,
    min_score: float,
) -> tuple[list[InvestorMatchOut], int, RankingModelOut]:
    """Every investor profile for one request, best first, ties by id."""
    scorer = index.current(session).scorer
    serving = serving_ranker(session, index, scorer)
    profiles = list(
        session.scalars(
            select(InvestorProfile)
            .options(
                selectinload(InvestorProfile.sector_links),
                selectinload(InvestorProfile.stage_links),
                selectinload(InvestorProfile.region_links),
            )
            .order_by(InvestorProfile.id)
        )
    )
    investors = [investor_record(p) for p in profiles]
    request = request_record(financing_request, codes_of(financing_request.sector_links))
    components = scorer.investor_components(investors, request)
    learned = serving.learned
    histories: list[InvestorHistory | None] = [None] * len(profiles)
    if learned is None:
        raw_scores = components.score
    elif not learned.uses_history:
        raw_scores = learned.predict_scores(components.matrix())
    else:
        histories = list(investor_histories(session, [p.id for p in profiles]))
        segment = scorer.segment([request])
        raw_scores = (
            np.concatenate(
                [
                    learned.predict_scores(
                        scorer.pair_features(
                            scorer.investor_features(investor),
                            segment,
                            None,
                            names=learned.feature_names,
                            history=history,
                        )[0]
                    )
                    for investor, history in zip(investors, histories, strict=True)
                ]
            )
            if profiles
            else components.score
        )
    scores = np.round(raw_scores, SCORE_DECIMALS)
    qualifying = np.flatnonzero(scores >= min_score)
    # Profiles are in id order, so a stable sort on score breaks ties by id.
    order = qualifying[np.argsort(-scores[qualifying], kind="stable")]
    page = order[offset : offset + limit]
    items = [
        InvestorMatchOut(
            investor=InvestorOut.from_model(profiles[i]),
            score=_rounded(float(raw_scores[i])),
            components=ComponentsOut(
                sector=_rounded(float(components.sector[i])),
                ticket=_rounded(float(components.ticket[i])),
                stage=_rounded(float(components.stage[i])),
            ),
            reasons=scorer.explain(investors[i], request, float(components.text[i]), histories[i]),
        )
        for i in page
    ]
    return items, int(qualifying.size), serving.description

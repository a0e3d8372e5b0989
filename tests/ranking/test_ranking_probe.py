"""A ranking's one statement to the database before it ranks (``read_ranking_probe``) tells
what the three separate reads it replaced tell, after every kind of write, whatever wrote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from models import FinancingRequest, InvestorProfile, ModelStatus, RankingModel
from models.types import utc_now
from scoring.learned import COMPONENT_FEATURES
from service.ranking.catalogue_loader import probe_changes
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow, rank_investors
from service.ranking.ranking_probe import ActiveModel, read_ranking_probe
from service.ranking.records import mandate_probe
from service.ranking.serving import (
    DEFAULT_MODEL_VERSION,
    make_default_scorer,
    serving_ranker,
)
from tests.support.factories import ApiClient

FEATURES = list(COMPONENT_FEATURES)


def _same_as_separate_reads(session: Session, since: dt.datetime) -> None:
    probe = read_ranking_probe(session, since)
    assert probe.since == since
    assert probe.requests == probe_changes(session, since)
    assert probe.mandates == mandate_probe(session)
    active = session.execute(
        RankingModel.__table__.select().where(RankingModel.status == ModelStatus.ACTIVE)
    ).first()
    expected = None if active is None else ActiveModel(active.id, active.version)
    assert probe.active_model == expected


def _model(version: int, status: ModelStatus) -> RankingModel:
    count = len(FEATURES) + len(FEATURES) * (len(FEATURES) - 1) // 2
    return RankingModel(
        version=version,
        status=status,
        parameters={
            "kind": "logistic-interactions-v1",
            "feature_names": FEATURES,
            "regularization": 1.0,
            "coefficients": [0.5] * count,
            "intercept": 0.0,
        },
        metrics={},
        trained_by="test",
    )


def test_one_statement_tells_what_three_reads_told_after_every_kind_of_write(
    api: ApiClient, db_session: Session
) -> None:
    since = utc_now() - dt.timedelta(seconds=5)
    _same_as_separate_reads(db_session, since)
    assert read_ranking_probe(db_session, None).requests == (0, None)

    startup = api.create_account("startup")
    request: dict[str, Any] = api.create_request(startup)
    api.publish(request["id"])
    owner = api.create_account("investor")
    investor = api.create_investor(owner, name="Probe fund")
    _same_as_separate_reads(db_session, since)
    assert read_ranking_probe(db_session, since).requests[0] >= 1

    before = read_ranking_probe(db_session, since)
    db_session.execute(
        update(InvestorProfile)
        .where(InvestorProfile.id == investor["id"])
        .values(ticket_min=Decimal(1_000_000), revision=InvestorProfile.revision + 1)
    )
    db_session.flush()
    after = read_ranking_probe(db_session, since)
    assert after.mandates[0] == before.mandates[0] + 1  # the trigger counted a plain SQL write
    _same_as_separate_reads(db_session, since)

    db_session.add(_model(1, ModelStatus.CANDIDATE))
    db_session.flush()
    assert read_ranking_probe(db_session, since).active_model is None
    db_session.add(_model(2, ModelStatus.ACTIVE))
    db_session.flush()
    _same_as_separate_reads(db_session, since)
    active = read_ranking_probe(db_session, since).active_model
    assert active is not None
    assert active.version == 2


def test_the_model_the_probe_names_is_the_one_that_ranks(
    api: ApiClient, db_session: Session
) -> None:
    startup = api.create_account("startup")
    request: dict[str, Any] = api.create_request(startup)
    api.publish(request["id"])
    api.create_investor(api.create_account("investor"), name="Probe fund")
    index = MatchIndex(make_default_scorer)
    scorer = index.rebuild(db_session).scorer
    probe = read_ranking_probe(db_session, index.since)
    assert serving_ranker(db_session, index, scorer, probe).version == DEFAULT_MODEL_VERSION

    db_session.add(_model(3, ModelStatus.ACTIVE))
    db_session.flush()
    # A probe read before the activation still names the default; the next one the model,
    # whose parameters this worker reads once.
    assert serving_ranker(db_session, index, scorer, probe).version == DEFAULT_MODEL_VERSION
    probe = read_ranking_probe(db_session, index.since)
    serving = serving_ranker(db_session, index, scorer, probe)
    assert serving.version == "learned-v3"
    assert serving.learned is not None
    assert probe.active_model is not None
    assert index.cached_learned_ranker(probe.active_model.id) is serving.learned
    assert serving_ranker(db_session, index, scorer).version == "learned-v3"

    financing_request = db_session.scalars(
        select(FinancingRequest)
        .options(selectinload(FinancingRequest.sector_links))
        .where(FinancingRequest.id == request["id"])
    ).one()
    ranked = rank_investors(
        session=db_session,
        index=index,
        financing_request=financing_request,
        window=RankingWindow(limit=10, include_near_misses=True),
    )
    assert ranked.serving.version == "learned-v3"

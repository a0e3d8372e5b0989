"""Everything a ranking asks the database before it ranks, in one round trip.

A ranking must see every write committed before it started, on any worker or replica: the
requests written since the index's watermark, the mandates' change counter and latest write,
and which model serves. Each is an index read; asked as three statements they cost a
commission's ranking at 10,000 mandates about a fifth of its time (each statement's
round trip and result handling, not the reads). Here they are scalar subqueries of one
statement, built once so its compiled form is cached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from models import ChangeCounter, FinancingRequest, InvestorProfile, ModelStatus, RankingModel

RequestsProbe = tuple[int, dt.datetime | None]
"""How many requests were written since the index's watermark (less an overlap), and the
latest of those writes (``service.ranking.catalogue_loader.Probe``)."""

MandateProbe = tuple[int, dt.datetime | None]
"""The mandates' change counter and their latest write (``records.mandate_probe``)."""


@dataclass(frozen=True, slots=True)
class ActiveModel:
    """The stored model that serves now (its parameters are read only when this worker has
    not built its ranker yet)."""

    id: str
    version: int


@dataclass(frozen=True, slots=True)
class RankingProbe:
    since: dt.datetime | None
    """The time the requests' part counts from (None: not asked, there is no index yet)."""
    requests: RequestsProbe
    mandates: MandateProbe
    active_model: ActiveModel | None


_SINCE = bindparam("since", type_=FinancingRequest.updated_at.type)


def _recent_requests(column: ColumnElement[Any]) -> ScalarSelect[Any]:
    return select(column).where(FinancingRequest.updated_at >= _SINCE).scalar_subquery()


def _active(column: QueryableAttribute[Any]) -> ScalarSelect[Any]:
    return (
        select(column)
        .where(RankingModel.status == ModelStatus.ACTIVE)
        .order_by(RankingModel.id)
        .limit(1)
        .scalar_subquery()
    )


_MANDATE_PARTS = (
    select(ChangeCounter.value)
    .where(ChangeCounter.table_name == InvestorProfile.__tablename__)
    .scalar_subquery(),
    select(func.max(InvestorProfile.updated_at)).scalar_subquery(),
)
_MODEL_PARTS = (_active(RankingModel.id), _active(RankingModel.version))
_WITH_REQUESTS = select(
    _recent_requests(func.count()),
    _recent_requests(func.max(FinancingRequest.updated_at)),
    *_MANDATE_PARTS,
    *_MODEL_PARTS,
)
_WITHOUT_REQUESTS = select(*_MANDATE_PARTS, *_MODEL_PARTS)


def _moment(value: object) -> dt.datetime | None:
    if isinstance(value, str):  # SQLite aggregates skip the column type
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def read_ranking_probe(session: Session, since: dt.datetime | None) -> RankingProbe:
    """The requests written since ``since`` (when given), the mandates' probe and the
    serving model, as of one statement."""
    if since is None:
        counter, latest_mandate, model_id, model_version = session.execute(_WITHOUT_REQUESTS).one()
        requests: RequestsProbe = (0, None)
    else:
        count, latest_request, counter, latest_mandate, model_id, model_version = session.execute(
            _WITH_REQUESTS, {"since": since}
        ).one()
        requests = (int(count or 0), _moment(latest_request))
    return RankingProbe(
        since=since,
        requests=requests,
        mandates=(int(counter or 0), _moment(latest_mandate)),
        active_model=None if model_id is None else ActiveModel(str(model_id), int(model_version)),
    )

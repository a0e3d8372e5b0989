"""A founder reads how far a published request reaches: how many investor mandates had it
among their first matches (a count, never who), counted to the start of today so that
reloading the page cannot time one investor's visit, or that none has yet and that the
commission sees so too. Nothing of the kind on a request not published, nor where
impressions are not kept."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import FinancingRequest, Impression
from service.impressions.log import ImpressionLog, connection_writer
from tests.support.factories import Account, ApiClient
from tests.support.people import new_person
from tests.support.web import Browser

NOT_YET = "截至今日零时，尚未出现在任何投资要求的前 20 个匹配结果中。"
JUST_PUBLISHED = "今日发布：曝光情况将从明天起统计。"
TWO_DAYS_AGO = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)


def _founder_with_two_requests(api: ApiClient) -> tuple[Account, Browser]:
    startup = api.create_account("startup")
    published = api.create_request(startup, company="阶跃星辰", title="基础大模型C轮融资")
    api.publish(published["id"])
    api.create_request(startup, company="阶跃星辰", title="推理集群扩容", amount="800000000")
    founder = Browser(api.client)
    founder.sign_in(new_person(api, startup, signed_in=False))
    return startup, founder


def _read_matches(api: ApiClient, name: str) -> None:
    investor = api.create_account("investor", name)
    mandate = api.create_investor(investor, name=name)
    reader = Browser(api.client)
    reader.sign_in(new_person(api, investor, signed_in=False))
    assert reader.get(f"/investor/mandates/{mandate['id']}/matches").status_code == 200


def test_a_founder_reads_how_many_mandates_saw_the_request_before_today_and_never_who(
    api: ApiClient, app: FastAPI, db_session: Session
) -> None:
    _, founder = _founder_with_two_requests(api)
    just_published = founder.get("/startup").text
    assert just_published.count(JUST_PUBLISHED) == 1
    assert NOT_YET not in just_published
    db_session.execute(update(FinancingRequest).values(published_at=TWO_DAYS_AGO))
    db_session.flush()
    assert founder.get("/startup").text.count(NOT_YET) == 1

    for name in ("高瓴资本 AI 基金", "红杉中国 成长基金"):
        _read_matches(api, name)
    app.state.impression_log.flush()  # what the worker's thread does within a second
    # Seen just now: not counted yet.
    assert founder.get("/startup").text.count(NOT_YET) == 1

    db_session.execute(update(Impression).values(shown_at=TWO_DAYS_AGO))
    db_session.flush()
    _read_matches(api, "启明创投 早期基金")  # today: not counted
    app.state.impression_log.flush()
    after = founder.get("/startup").text
    assert "曝光情况（统计截至今日零时）：已出现在 2 个投资要求的前 20 个匹配结果中。" in after
    assert NOT_YET not in after
    for name in ("高瓴资本", "红杉中国", "启明创投"):
        assert name not in after


def test_nothing_is_said_of_reach_where_impressions_are_not_kept(
    api: ApiClient, app: FastAPI, connection: Connection
) -> None:
    app.state.impression_log = ImpressionLog(
        connection_writer(connection), interval=None, enabled=False
    )
    _, founder = _founder_with_two_requests(api)
    page = founder.get("/startup").text
    assert "匹配结果中" not in page

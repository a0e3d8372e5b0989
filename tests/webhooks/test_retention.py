"""Old webhook history is deleted once finished (``service.webhooks.retention``), and what
match events told of outlives them: no pair is told twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMatchNotice,
)
from models.types import utc_now
from service.cli import worker
from service.cli.worker import delete_old_history, expand_publications
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.webhooks import retention
from service.webhooks.outbox import add_match_event
from service.webhooks.retention import delete_finished_events
from tests.support.factories import ApiClient
from tests.webhooks.test_events import endpoint, payloads

KEEP = dt.timedelta(days=30)


def _age(session: Session, event_ids: list[str], days: int) -> None:
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id.in_(event_ids))
        .values(created_at=utc_now() - dt.timedelta(days=days))
    )


def _finish(session: Session, event_ids: list[str], status: DeliveryStatus) -> None:
    session.execute(
        update(WebhookDelivery).where(WebhookDelivery.event_id.in_(event_ids)).values(status=status)
    )


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_pair_told_of_is_not_told_again_once_its_event_is_deleted(
    api: ApiClient, db_session: Session, connection: Connection
) -> None:
    investor, startup = api.create_account("investor"), api.create_account("startup")
    mine = api.create_investor(investor, name="My fund")["id"]
    hook = endpoint(api, investor, ["match.created"], min_score=0.0)
    request_id = api.create_request(startup)["id"]
    api.publish(request_id)
    index = MatchIndex(make_default_scorer)
    index.rebuild(db_session)
    assert expand_publications(db_session, index) == 1
    [match] = payloads(db_session, hook, "match.created")
    notice = db_session.get(WebhookMatchNotice, (mine, request_id))
    assert notice is not None
    assert notice.event_id == match["id"]

    told = db_session.scalars(select(WebhookEvent.id)).all()
    _finish(db_session, list(told), DeliveryStatus.DELIVERED)
    _age(db_session, list(told), days=31)
    db_session.commit()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    assert delete_old_history(factory, KEEP, threading.Event()) == (len(told), True)
    db_session.expire_all()
    assert _count(db_session, WebhookEvent) == 0
    assert _count(db_session, WebhookDelivery) == 0
    assert db_session.get(WebhookMatchNotice, (mine, request_id)) is not None

    # The mandate changes: the pair is ranked again, and not told again.
    changed = api.patch(
        f"/v1/investors/{mine}", json={"thesis": "大模型与芯片"}, headers=investor.headers
    )
    assert changed.status_code == 200, changed.text
    assert expand_publications(db_session, index) == 0
    assert payloads(db_session, hook, "match.created") == []


def test_only_old_events_waiting_for_nothing_are_deleted_with_deliveries_and_attempts(
    api: ApiClient, db_session: Session
) -> None:
    investor, startup = api.create_account("investor"), api.create_account("startup")
    endpoint(api, investor, ["financing_request.reviewed"])
    endpoint(api, startup, ["financing_request.reviewed"])
    endpoint(api, investor, ["match.created"])  # each publication waits to be expanded
    for company in ("Old delivered", "Old failed", "Old pending", "Recent delivered"):
        api.publish(api.create_request(startup, company=company)["id"])
    events = db_session.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.type == "financing_request.reviewed")
        .order_by(WebhookEvent.created_at, WebhookEvent.id)
    ).all()
    assert len(events) == 4
    delivered, failed, pending, recent = events
    _finish(db_session, [delivered, recent], DeliveryStatus.DELIVERED)
    _finish(db_session, [failed], DeliveryStatus.FAILED)
    _age(db_session, [delivered, failed, pending], days=31)
    _age(db_session, [recent], days=29)
    # A publication still waiting to become match events, however old, is kept too.
    waiting = db_session.scalars(
        select(WebhookEvent.id).where(WebhookEvent.expand_pending.is_(True))
    ).all()
    assert len(waiting) == 4
    _age(db_session, list(waiting), days=90)
    for delivery_id in db_session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.event_id.in_([delivered, failed]))
    ):
        db_session.add(WebhookAttempt(delivery_id=delivery_id, status_code=500, duration_ms=3))
    db_session.flush()

    assert delete_finished_events(db_session, written_before=utc_now() - KEEP) == 2
    db_session.expire_all()
    left = set(db_session.scalars(select(WebhookEvent.id)))
    assert left == {pending, recent, *waiting}
    assert _count(db_session, WebhookAttempt) == 0
    assert set(db_session.scalars(select(WebhookDelivery.event_id))) == {pending, recent}
    assert delete_finished_events(db_session, written_before=utc_now() - KEEP) == 0


def test_a_long_backlog_is_deleted_a_few_batches_per_pass(
    api: ApiClient, db_session: Session, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass deletes at most ``CLEANUP_BATCHES_PER_PASS`` batches and says some is left (the
    worker sends in between); a stop asked for ends it before the next batch."""
    monkeypatch.setattr(retention, "BATCH", 2)
    monkeypatch.setattr(worker, "RETENTION_BATCH", 2)
    monkeypatch.setattr(worker, "CLEANUP_BATCHES_PER_PASS", 2)
    startup = api.create_account("startup")
    endpoint(api, startup, ["financing_request.reviewed"])
    for number in range(5):
        api.publish(api.create_request(startup, company=f"Co {number}")["id"])
    old = list(db_session.scalars(select(WebhookEvent.id)))
    assert len(old) == 5
    _finish(db_session, old, DeliveryStatus.DELIVERED)
    _age(db_session, old, days=31)
    db_session.commit()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    stopped = threading.Event()
    stopped.set()
    assert delete_old_history(factory, KEEP, stopped) == (0, False)
    assert delete_old_history(factory, KEEP, threading.Event()) == (4, False)
    assert delete_old_history(factory, KEEP, threading.Event()) == (1, True)
    db_session.expire_all()
    assert _count(db_session, WebhookEvent) == 0


def test_a_pair_told_of_elsewhere_meanwhile_is_not_told_again(
    api: ApiClient, db_session: Session
) -> None:
    """Its note is written first and skipped on a conflict: when another expansion has told
    of the pair (its note there before this one's), neither a note nor an event is written."""
    investor, startup = api.create_account("investor"), api.create_account("startup")
    mine = api.create_investor(investor, name="My fund")["id"]
    hook_id = endpoint(api, investor, ["match.created"], min_score=0.0)
    request_id = api.create_request(startup)["id"]
    hook = db_session.get(WebhookEndpoint, hook_id)
    assert hook is not None
    data = {"investor_profile_id": mine, "financing_request_id": request_id, "score": 0.9}
    assert add_match_event(db_session, data, [hook]) is True
    assert add_match_event(db_session, data, [hook]) is False
    assert add_match_event(db_session, data, []) is False
    db_session.flush()
    assert len(payloads(db_session, hook_id, "match.created")) == 1
    assert _count(db_session, WebhookMatchNotice) == 1

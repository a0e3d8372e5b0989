"""Old webhook events are deleted with their deliveries and attempts: a payload tells of a
match, a meeting or a deal (commercially sensitive), and nobody needs it once every delivery
is finished and the delivery log's window (``Settings.webhook_history_days``) has passed.

What match.created events told of stays (``WebhookMatchNotice``), so deleting them never
makes a pair be told again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent

BATCH = 500
"""Events deleted per transaction: a long backlog is worked off in short ones."""


def delete_finished_events(session: Session, *, written_before: dt.datetime) -> int:
    """Delete up to ``BATCH`` events written before ``written_before`` that wait for nothing
    (no pending delivery, no expansion into match events), with their deliveries and
    attempts; how many events were deleted."""
    unfinished = exists().where(
        WebhookDelivery.event_id == WebhookEvent.id,
        WebhookDelivery.status == DeliveryStatus.PENDING,
    )
    ids = list(
        session.scalars(
            select(WebhookEvent.id)
            .where(
                WebhookEvent.created_at < written_before,
                WebhookEvent.expand_pending.is_(False),
                ~unfinished,
            )
            .order_by(WebhookEvent.created_at, WebhookEvent.id)
            .limit(BATCH)
        )
    )
    if not ids:
        return 0
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.event_id.in_(ids))
    # Children first: the foreign keys cascade too, but not every SQLite connection has
    # them switched on.
    session.execute(
        delete(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(deliveries))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.event_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(WebhookEvent)
        .where(WebhookEvent.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return len(ids)

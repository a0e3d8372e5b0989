"""Webhook endpoints: an account registers, reads, re-enables and deletes its own; nobody
sees another account's (the commission neither: an endpoint holds its account's secret), and
another account's endpoint is a 404 like one that does not exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from models.types import utc_now
from service.audit_log.writer import record_audit
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound, field_problem
from service.webhooks.addresses import RefusedUrl, check_destination
from service.webhooks.schemas import (
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
)

OBJECT_TYPE = "webhook_endpoint"
ROTATION_OVERLAP = dt.timedelta(hours=24)
"""After a secret's rotation, how long deliveries are signed with the one before it too."""


def _account_of(principal: Principal) -> str:
    if principal.account_id is None:
        message = "The bootstrap admin key has no account of its own to send webhooks to"
        raise Invalid(message, errors=[field_problem("url", "no_account", message)])
    return principal.account_id


def get_own(
    *, session: Session, principal: Principal, endpoint_id: str, for_update: bool = False
) -> WebhookEndpoint:
    """The caller's account's endpoint (``for_update``: locked until the commit, PostgreSQL)."""
    statement = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if for_update:
        statement = statement.with_for_update()
    endpoint = session.scalars(statement).first()
    if endpoint is None or not principal.owns(endpoint.account_id):
        raise NotFound(f"No webhook endpoint {endpoint_id}.")
    return endpoint


def list_own(
    *, session: Session, principal: Principal, limit: int, offset: int
) -> tuple[Sequence[WebhookEndpoint], int]:
    """The caller's account's endpoints, newest first."""
    if principal.account_id is None:
        return [], 0
    mine = select(WebhookEndpoint).where(WebhookEndpoint.account_id == principal.account_id)
    total = session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    endpoints = session.scalars(
        mine.order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return endpoints, total


def check_url(url: str) -> str:
    """The URL as stored, when webhooks may go there now (422 beside ``url`` if not)."""
    try:
        check_destination(url)
    except RefusedUrl as refused:
        raise Invalid(
            refused.message, errors=[field_problem("url", refused.code, refused.message)]
        ) from None
    return url.strip()


def register(
    *, session: Session, principal: Principal, data: WebhookEndpointCreate
) -> WebhookEndpoint:
    account_id = _account_of(principal)
    url = check_url(data.url)
    endpoint = WebhookEndpoint(
        account_id=account_id,
        url=url,
        description=data.description,
        event_types=[event_type.value for event_type in data.event_types],
        min_score=data.min_score,
        secret=data.secret,
        enabled=True,
        consecutive_failures=0,
        created_by_user_id=principal.user_id,
    )
    session.add(endpoint)
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="webhook_endpoint.create",
        object_type=OBJECT_TYPE,
        object_id=endpoint.id,
        changes={
            "url": url,
            "event_types": endpoint.event_types,
            "min_score": data.min_score,
        },
    )
    return endpoint


def update(
    *,
    session: Session,
    principal: Principal,
    endpoint: WebhookEndpoint,
    data: WebhookEndpointUpdate,
) -> WebhookEndpoint:
    """Change the fields given (a new URL checked as at registration). A new secret rotates:
    the one before it keeps signing beside it for ``ROTATION_OVERLAP``. The audit trail says
    a secret was rotated, never what it is."""
    given = data.model_fields_set
    changes: dict[str, object] = {}
    if "url" in given and data.url is not None:
        url = check_url(data.url)
        if url != endpoint.url:
            endpoint.url = changes["url"] = url
    if "description" in given and data.description != endpoint.description:
        endpoint.description = changes["description"] = data.description
    if "event_types" in given and data.event_types is not None:
        event_types = [event_type.value for event_type in data.event_types]
        if event_types != endpoint.event_types:
            endpoint.event_types = changes["event_types"] = event_types
    if "min_score" in given and data.min_score is not None and data.min_score != endpoint.min_score:
        endpoint.min_score = changes["min_score"] = data.min_score
    if "secret" in given and data.secret is not None and data.secret != endpoint.secret:
        now = utc_now()
        if endpoint.previous_secret_until is not None and endpoint.previous_secret_until > now:
            # A second rotation would retire the first one's old secret at once, while the
            # receiver may still verify with it: one rotation at a time.
            raise Conflict(
                "A rotation of this endpoint's secret is under way: the previous secret signs "
                f"until {endpoint.previous_secret_until.isoformat()}; rotate again after that."
            )
        until = now + ROTATION_OVERLAP
        endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, until
        endpoint.secret = data.secret
        changes["secret"] = f"rotated; the previous one signs too until {until.isoformat()}"
    if not changes:
        return endpoint
    # In SQL: an enable (which takes no If-Match) may bump it at the same time.
    endpoint.revision = WebhookEndpoint.revision + 1
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="webhook_endpoint.update",
        object_type=OBJECT_TYPE,
        object_id=endpoint.id,
        changes=changes,
    )
    return endpoint


def enable(*, session: Session, principal: Principal, endpoint: WebhookEndpoint) -> None:
    """Send to a disabled endpoint again (its URL checked again), failures counted afresh."""
    check_url(endpoint.url)
    was = endpoint.enabled
    endpoint.enabled = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    endpoint.disabled_reason = None
    if not was:
        # In SQL: counted on the row, whatever this session read (no If-Match here).
        endpoint.revision = WebhookEndpoint.revision + 1
    session.flush()
    if not was:
        record_audit(
            session=session,
            principal=principal,
            action="webhook_endpoint.enable",
            object_type=OBJECT_TYPE,
            object_id=endpoint.id,
        )


def delete(*, session: Session, principal: Principal, endpoint: WebhookEndpoint) -> None:
    """The endpoint, its deliveries and their log go (events other endpoints wait for stay)."""
    record_audit(
        session=session,
        principal=principal,
        action="webhook_endpoint.delete",
        object_type=OBJECT_TYPE,
        object_id=endpoint.id,
        changes={"url": endpoint.url},
    )
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    for attempt in session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries))
    ):
        session.delete(attempt)
    for delivery in session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    ):
        session.delete(delivery)
    session.flush()
    session.delete(endpoint)
    session.flush()


def deliveries_of(
    *,
    session: Session,
    endpoint: WebhookEndpoint,
    status: DeliveryStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[WebhookDeliveryOut], int]:
    """The endpoint's delivery log, newest first: each event sent, its body, every try."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    deliveries = session.scalars(
        query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [delivery.id for delivery in deliveries]
    payloads: dict[str, str] = {}
    attempts: dict[str, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in ids}
    if ids:
        payloads = dict(
            session.execute(
                select(WebhookEvent.id, WebhookEvent.payload).where(
                    WebhookEvent.id.in_({delivery.event_id for delivery in deliveries})
                )
            )
            .tuples()
            .all()
        )
        for attempt in session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        ):
            attempts[attempt.delivery_id].append(attempt)
    # A delivery whose event the worker deleted between the two reads (its history window
    # passed: ``service.webhooks.retention``) is left out rather than shown without a body.
    return [
        WebhookDeliveryOut.from_model(d, payloads[d.event_id], attempts[d.id])
        for d in deliveries
        if d.event_id in payloads
    ], total

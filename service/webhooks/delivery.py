"""Sending the outbox: each due delivery is leased, signed (Standard Webhooks), posted to an
address checked again just before (the host resolved now, every address allowed, and the
connection made to the address that was checked), and its attempt logged. A failure waits
exponentially longer before the next try, for up to 24 hours from the event; an endpoint that
fails too many times in a row is disabled, and says why.

At least once: a delivery is marked delivered only after its receiver answered 2xx. A worker
that dies between sending and recording leaves the lease to run out; the next pass sends the
same event again, with the same ``webhook-id``, so receivers drop the duplicate by its id.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlunsplit

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from models.types import utc_now
from service.webhooks.addresses import Destination, RefusedUrl, check_destination

logger = logging.getLogger("matchmaker.webhooks")

USER_AGENT = "matchmaker-webhooks/1"
# Deliveries are retried for this long after their event, then given up.
RETRY_WINDOW = dt.timedelta(hours=24)
# The longest wait between two tries.
MAX_BACKOFF = dt.timedelta(hours=4)
ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How the worker sends: its lease on a delivery, the first retry's wait (doubled each
    time), how many failures in a row disable an endpoint, the HTTP timeout."""

    lease: dt.timedelta = dt.timedelta(seconds=60)
    first_backoff: dt.timedelta = dt.timedelta(seconds=30)
    disable_after: int = 15
    timeout_seconds: float = 10.0
    batch: int = 50


@dataclass(frozen=True, slots=True)
class Leased:
    """A delivery this worker holds, with what sending it needs."""

    delivery_id: str
    event_id: str
    payload: str
    url: str
    secret: str
    endpoint_id: str
    previous_secret: str | None = None
    """After a rotation: signs beside ``secret`` until ``previous_secret_until``."""
    previous_secret_until: dt.datetime | None = None

    def secrets_at(self, when: dt.datetime) -> tuple[str, str | None]:
        """The secret, and the previous one if its overlap has not ended at ``when`` (the
        moment of signing, not of the lease: a batch can take minutes to send)."""
        until = self.previous_secret_until
        still = self.previous_secret if until is not None and when < until else None
        return self.secret, still


@dataclass(frozen=True, slots=True)
class Result:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.error is None


def backoff(attempts: int, first: dt.timedelta) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: first, twice that, four times..."""
    wait: dt.timedelta = first * (2 ** max(attempts - 1, 0))
    return min(wait, MAX_BACKOFF)


def signed_headers(
    secret: str,
    event_id: str,
    payload: str,
    when: dt.datetime,
    previous_secret: str | None = None,
) -> dict[str, str]:
    """Standard Webhooks' three headers, signed by its library; after a rotation, with the
    previous secret's signature too (space-separated: a receiver accepts any that verifies)."""
    secrets = [secret] if previous_secret is None else [secret, previous_secret]
    signatures = [Webhook(one).sign(event_id, when, payload) for one in secrets]
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def lease_due(
    factory: sessionmaker[Session], policy: DeliveryPolicy, now: dt.datetime
) -> list[Leased]:
    """Take the lease on up to ``policy.batch`` due deliveries of enabled endpoints (one
    short transaction: another worker skips them until the lease runs out)."""
    leased: list[Leased] = []
    with factory.begin() as session:
        # Past the retry window (an endpoint disabled meanwhile, a worker that was down):
        # given up, never sent late. Looked for first, so an idle pass only reads.
        expired = (
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.created_at <= now - RETRY_WINDOW,
            or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now),
        )
        if session.scalar(select(WebhookDelivery.id).where(*expired).limit(1)) is not None:
            session.execute(
                update(WebhookDelivery)
                .where(*expired)
                .values(
                    status=DeliveryStatus.FAILED,
                    leased_until=None,
                    last_error="given up: not delivered within 24 hours",
                )
                .execution_options(synchronize_session=False)
            )
        # A secret whose overlap after a rotation has ended signs nothing more: not kept.
        retired = (
            WebhookEndpoint.previous_secret.is_not(None),
            WebhookEndpoint.previous_secret_until <= now,
        )
        if session.scalar(select(WebhookEndpoint.id).where(*retired).limit(1)) is not None:
            session.execute(
                update(WebhookEndpoint)
                .where(*retired)
                .values(previous_secret=None)
                .execution_options(synchronize_session=False)
            )
        due = session.execute(
            select(WebhookDelivery.id, WebhookEvent.id, WebhookEvent.payload, WebhookEndpoint.url)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .add_columns(
                WebhookEndpoint.secret,
                WebhookEndpoint.id,
                WebhookEndpoint.previous_secret,
                WebhookEndpoint.previous_secret_until,
            )
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now),
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
            .limit(policy.batch)
        ).all()
        for delivery_id, event_id, payload, url, secret, endpoint_id, before, until in due:
            taken = session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    or_(
                        WebhookDelivery.leased_until.is_(None),
                        WebhookDelivery.leased_until <= now,
                    ),
                )
                .values(leased_until=now + policy.lease)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                leased.append(
                    Leased(delivery_id, event_id, payload, url, secret, endpoint_id, before, until)
                )
    return leased


def _pinned_url(destination: Destination) -> str:
    """The URL with its host replaced by the address just checked (a second lookup by the
    HTTP client could answer differently)."""
    address = destination.addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    parts = destination.url
    return urlunsplit(
        (parts.scheme, f"{literal}:{destination.port}", parts.path or "/", parts.query, "")
    )


def send(client: httpx.Client, leased: Leased, timeout: float) -> Result:
    """One try: check the address again, sign, post; 2xx is delivered, anything else is a
    failure with its reason."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        destination = check_destination(leased.url)
    except RefusedUrl as refused:
        return Result(None, f"refused: {refused.message}", took())
    signed_at = utc_now()
    secret, previous = leased.secrets_at(signed_at)
    headers = {
        **signed_headers(secret, leased.event_id, leased.payload, signed_at, previous),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": destination.url.netloc.rpartition("@")[2],
    }
    extensions = {"sni_hostname": destination.host} if destination.url.scheme == "https" else {}
    try:
        with client.stream(
            "POST",
            _pinned_url(destination),
            content=leased.payload.encode("utf-8"),
            headers=headers,
            extensions=extensions,
            timeout=timeout,
        ) as response:
            status = response.status_code
    except httpx.HTTPError as failed:
        return Result(None, f"{type(failed).__name__}: {failed}"[:ERROR_LENGTH], took())
    if 200 <= status < 300:
        return Result(status, None, took())
    return Result(status, f"HTTP {status}", took())


def record(
    factory: sessionmaker[Session],
    leased: Leased,
    result: Result,
    policy: DeliveryPolicy,
    now: dt.datetime,
) -> None:
    """Log the attempt; mark the delivery delivered, or due again later, or given up; count
    the endpoint's failures in a row and disable it after too many."""
    with factory.begin() as session:
        delivery = session.get(WebhookDelivery, leased.delivery_id)
        if delivery is None:  # its endpoint was deleted meanwhile
            return
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=now,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
            )
        )
        delivery.attempts += 1
        delivery.leased_until = None
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            if endpoint is not None:
                endpoint.consecutive_failures = 0
            return
        next_at = now + backoff(delivery.attempts, policy.first_backoff)
        if next_at > delivery.created_at + RETRY_WINDOW:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = (
                f"{result.error}; given up after {delivery.attempts} attempts in 24 hours"
            )
        else:
            delivery.next_attempt_at = next_at
        if endpoint is None:
            return
        endpoint.consecutive_failures += 1
        if endpoint.enabled and endpoint.consecutive_failures >= policy.disable_after:
            endpoint.enabled = False
            endpoint.disabled_at = now
            endpoint.disabled_reason = (
                f"Disabled after {endpoint.consecutive_failures} failed attempts in a row; "
                f"the last: {result.error}"
            )
            logger.warning(
                "webhook endpoint disabled",
                extra={"endpoint_id": endpoint.id, "reason": endpoint.disabled_reason},
            )


def deliver_due(
    factory: sessionmaker[Session],
    client: httpx.Client,
    policy: DeliveryPolicy,
    now: Callable[[], dt.datetime] = utc_now,
) -> int:
    """One pass: lease what is due, send each, record each; the number of tries made.

    Once an endpoint fails in a pass, its other deliveries of the pass are not tried: they
    are released, due again after the first back-off, and count no failure. A short outage
    with many events queued is then one failure, not enough to disable the endpoint at once;
    it takes failures in a row over several passes, each further apart."""
    leased = lease_due(factory, policy, now())
    failing: set[str] = set()
    tried = 0
    for one in leased:
        if one.endpoint_id in failing:
            release(factory, one, now() + policy.first_backoff)
            continue
        result = send(client, one, policy.timeout_seconds)
        record(factory, one, result, policy, now())
        tried += 1
        if not result.delivered:
            failing.add(one.endpoint_id)
    return tried


def release(factory: sessionmaker[Session], leased: Leased, due_at: dt.datetime) -> None:
    """Give a leased delivery back untried, due again at ``due_at``."""
    with factory.begin() as session:
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == leased.delivery_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            .values(leased_until=None, next_attempt_at=due_at)
            .execution_options(synchronize_session=False)
        )

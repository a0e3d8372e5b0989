"""Webhooks: an account's endpoints, the outbox of events written with the changes they tell
of, each event's delivery to each endpoint, and every attempt at it (the delivery log)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin
from models.types import UTCDateTime, utc_now


class WebhookEventType(enum.StrEnum):
    """What an endpoint may ask to be told of."""

    # A published request scores at least the endpoint's threshold for a mandate the
    # endpoint's account owns.
    MATCH_CREATED = "match.created"
    MEETING_REQUESTED = "meeting.requested"
    MEETING_ACCEPTED = "meeting.accepted"
    MEETING_SCHEDULED = "meeting.scheduled"
    MEETING_CANCELLED = "meeting.cancelled"
    FINANCING_REQUEST_REVIEWED = "financing_request.reviewed"
    OUTCOME_STEP = "outcome.step"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    # Not delivered within the retry window (24 hours from the event).
    FAILED = "failed"


def _enum(kind: type[enum.StrEnum], name: str, length: int = 40) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class WebhookEndpoint(IdMixin, Base):
    """Where an account wants events sent, which ones, and the secret they are signed with
    (Standard Webhooks: ``whsec_`` and base64; kept, since signing needs it, never shown)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_account_created", "account_id", "created_at"),)

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200))
    # WebhookEventType values.
    event_types: Mapped[list[str]] = mapped_column(JSON)
    # match.created only: the lowest score (0..1) worth a message.
    min_score: Mapped[float] = mapped_column(Float, default=0.0)
    secret: Mapped[str] = mapped_column(String(200))
    # After a rotation, the secret before it: deliveries carry its signature too until then,
    # so the receiver can switch to the new secret without rejecting anything meanwhile.
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The account's own edits (PATCH, re-enabling), for If-Match. Counted by hand, not by
    # SQLAlchemy's version counter: the delivery worker writes the failure count at any time,
    # and neither an edit nor the worker's write should fail because of the other.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Failed attempts in a row (any delivery); a success sets it back to 0.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utc_now, onupdate=utc_now
    )


class WebhookEvent(Base):
    """One event in the outbox, written in the transaction of the change it tells of. Its id
    is the message id every delivery and every retry of it carries (``webhook-id``), and its
    body is kept as the bytes sent, so a retry sends exactly what was signed before."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_expand", "expand_pending"),
        Index("ix_webhook_events_created", "created_at"),
    )

    # "msg_" and 32 hexadecimal digits.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    # A request's publication, waiting for the worker to turn it into match.created events.
    expand_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the expansion needs (the request's id): not sent anywhere.
    subject_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class WebhookMatchNotice(Base):
    """A (mandate, request) pair a match.created event has told of: never told again, even
    once the event itself is gone (``service.webhooks.retention``)."""

    __tablename__ = "webhook_match_notices"

    investor_profile_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("investor_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    financing_request_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("financing_requests.id", ondelete="CASCADE"), primary_key=True
    )
    # The event that told of it (not a foreign key: the event is deleted after a while).
    event_id: Mapped[str] = mapped_column(String(36))
    told_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class WebhookDelivery(IdMixin, Base):
    """One event on its way to one endpoint: pending until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )

    event_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(60))
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status", 20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # A worker sending it holds it until then; a worker that died lets it go at that time,
    # and the next one sends it again with the same id.
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class WebhookAttempt(IdMixin, Base):
    """One try at a delivery, as the account reads it in the delivery log."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    status_code: Mapped[int | None] = mapped_column(Integer)
    # Why it failed (no answer, an address refused, a status that is not 2xx), else null.
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

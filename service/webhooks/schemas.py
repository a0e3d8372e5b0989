"""Webhook endpoints over HTTP: registering one, how it looks, and its delivery log."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from service.http.fields import PatchModel, with_examples

EXAMPLE_ENDPOINT = "7d3e2c1b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"
EXAMPLE_DELIVERY = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
EXAMPLE_ATTEMPT = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
EXAMPLE_EVENT = "msg_5f1c0e3a9b7d4c2e8a6f0b1d3c5e7a9b"
EXAMPLE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 (an example)
SECRET_PREFIX = "whsec_"  # noqa: S105 (the form of a secret, not one)
SECRET_BYTES = (24, 64)


def _secret(value: str) -> str:
    """Standard Webhooks' form: ``whsec_`` and the base64 of 24 to 64 random bytes."""
    if not value.startswith(SECRET_PREFIX):
        raise PydanticCustomError("webhook_secret", "Write whsec_ and base64 (24 to 64 bytes)")
    try:
        raw = base64.b64decode(value[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise PydanticCustomError(
            "webhook_secret", "Write whsec_ and base64 (24 to 64 bytes)"
        ) from None
    if not SECRET_BYTES[0] <= len(raw) <= SECRET_BYTES[1]:
        raise PydanticCustomError("webhook_secret", "Write whsec_ and base64 (24 to 64 bytes)")
    return value


def _distinct(values: list[WebhookEventType]) -> list[WebhookEventType]:
    return list(dict.fromkeys(values))


Secret = Annotated[str, Field(max_length=200), AfterValidator(_secret)]
EventTypes = Annotated[
    list[WebhookEventType], Field(min_length=1, max_length=20), AfterValidator(_distinct)
]


class WebhookEndpointCreate(BaseModel):
    """Register an endpoint of the caller's account: where events go, which, and the secret
    they are signed with (Standard Webhooks). ``min_score``: for ``match.created``, the lowest
    score worth a message."""

    model_config = with_examples(
        {
            "url": "https://127.0.0.1:9443/matchmaker",
            "event_types": ["meeting.requested", "meeting.accepted"],
            "secret": EXAMPLE_SECRET,
        },
        {
            "url": "http://127.0.0.1:8900/hooks",
            "description": "CRM",
            "event_types": ["match.created", "financing_request.reviewed", "outcome.step"],
            "min_score": 0.6,
            "secret": EXAMPLE_SECRET,
        },
        write=True,
    )

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="HTTPS to a public address (plain HTTP to this machine only in "
        "development and tests); private and link-local addresses are refused",
    )
    description: str | None = Field(default=None, max_length=200)
    event_types: EventTypes = Field(description="The events to send (at least one)")
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)
    secret: Secret = Field(
        description="whsec_ and the base64 of 24 to 64 random bytes; never shown again"
    )


class WebhookEndpointUpdate(PatchModel):
    """Fields to change; absent fields stay as they are. A new ``url`` is checked as at
    registration. A new ``secret`` rotates it: for ``ROTATION_OVERLAP`` (24 hours) every
    delivery carries a signature by the old secret beside one by the new (Standard Webhooks
    allows several in ``webhook-signature``), so the receiver can switch over without
    rejecting a message meanwhile."""

    model_config = with_examples(
        {"secret": EXAMPLE_SECRET},
        {"url": "https://127.0.0.1:9443/matchmaker/v2", "min_score": 0.7},
        {"event_types": ["meeting.requested", "meeting.accepted", "outcome.step"]},
        write=True,
    )
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"description"})

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=200)
    event_types: EventTypes | None = None
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    secret: Secret | None = Field(
        default=None,
        description="A new secret (whsec_ and base64 of 24 to 64 random bytes); the old one "
        "still signs for 24 hours beside it; never shown again",
    )


class WebhookEndpointOut(BaseModel):
    """An endpoint as its account reads it (never its secret)."""

    model_config = with_examples(
        {
            "id": EXAMPLE_ENDPOINT,
            "url": "https://hooks.example.com/matchmaker",
            "description": "CRM",
            "event_types": ["match.created", "meeting.requested"],
            "min_score": 0.6,
            "enabled": False,
            "consecutive_failures": 15,
            "disabled_at": "2026-12-02T10:00:00Z",
            "disabled_reason": "Disabled after 15 failed attempts in a row; the last: HTTP 500",
            "previous_secret_until": None,
            "revision": 3,
            "created_at": "2026-12-01T09:30:00Z",
            "updated_at": "2026-12-02T10:00:00Z",
        }
    )

    id: str
    url: str
    description: str | None
    event_types: list[WebhookEventType]
    min_score: float
    enabled: bool = Field(description="False once disabled after repeated failures")
    consecutive_failures: int
    disabled_at: dt.datetime | None
    disabled_reason: str | None = Field(description="Why it was disabled")
    previous_secret_until: dt.datetime | None = Field(
        description="After a rotation: until when deliveries are also signed with the secret "
        "before it"
    )
    revision: int = Field(description="The ETag's revision: send it back in If-Match")
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_model(cls, endpoint: WebhookEndpoint) -> WebhookEndpointOut:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            event_types=[WebhookEventType(value) for value in endpoint.event_types],
            min_score=endpoint.min_score,
            enabled=endpoint.enabled,
            consecutive_failures=endpoint.consecutive_failures,
            disabled_at=endpoint.disabled_at,
            disabled_reason=endpoint.disabled_reason,
            previous_secret_until=endpoint.previous_secret_until,
            revision=endpoint.revision,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class WebhookAttemptOut(BaseModel):
    """One try at sending a delivery."""

    model_config = with_examples(
        {
            "id": EXAMPLE_ATTEMPT,
            "attempted_at": "2026-12-02T09:31:00Z",
            "status_code": 500,
            "error": "HTTP 500",
            "duration_ms": 42,
        }
    )

    id: str
    attempted_at: dt.datetime
    status_code: int | None = Field(description="The receiver's answer; null if none came")
    error: str | None = Field(description="Why it failed; null when delivered")
    duration_ms: int

    @classmethod
    def from_model(cls, attempt: WebhookAttempt) -> WebhookAttemptOut:
        return cls(
            id=attempt.id,
            attempted_at=attempt.attempted_at,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
        )


class WebhookDeliveryOut(BaseModel):
    """One event on its way to the endpoint: the body sent, every attempt, where it stands."""

    model_config = with_examples(
        {
            "id": EXAMPLE_DELIVERY,
            "event_id": EXAMPLE_EVENT,
            "event_type": "meeting.requested",
            "status": "pending",
            "attempts": 1,
            "next_attempt_at": "2026-12-02T09:31:30Z",
            "last_status_code": 500,
            "last_error": "HTTP 500",
            "delivered_at": None,
            "created_at": "2026-12-02T09:31:00Z",
            "payload": {
                "type": "meeting.requested",
                "timestamp": "2026-12-02T09:31:00Z",
                "id": EXAMPLE_EVENT,
                "data": {"meeting_id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"},
            },
            "attempt_log": [
                {
                    "id": EXAMPLE_ATTEMPT,
                    "attempted_at": "2026-12-02T09:31:00Z",
                    "status_code": 500,
                    "error": "HTTP 500",
                    "duration_ms": 42,
                }
            ],
        }
    )

    id: str
    event_id: str = Field(description="The webhook-id every try carries")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="When pending: the next try")
    last_status_code: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    payload: dict[str, Any] = Field(description="The body sent, as signed")
    attempt_log: list[WebhookAttemptOut]

    @classmethod
    def from_model(
        cls, delivery: WebhookDelivery, payload: str, attempts: list[WebhookAttempt]
    ) -> WebhookDeliveryOut:
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=(
                delivery.next_attempt_at if delivery.status is DeliveryStatus.PENDING else None
            ),
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
            payload=json.loads(payload),
            attempt_log=[WebhookAttemptOut.from_model(attempt) for attempt in attempts],
        )

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from models import AuditRecord


class AuditRecordOut(BaseModel):
    """One write: who did what to which object, and when."""

    id: str
    occurred_at: dt.datetime
    actor_account_id: str | None = Field(description="Null for the bootstrap admin key")
    actor_user_id: str | None = Field(
        description="The person who acted; null for an account's key, the admin key or the "
        "command line"
    )
    actor_name: str | None = Field(
        description="Who acted, by name as it was then: the person's, else the account's "
        "(null for records written before people had names)",
        examples=["Li Wei"],
    )
    actor_role: str
    action: str = Field(examples=["financing_request.reject"])
    object_type: str = Field(examples=["financing_request"])
    object_id: str
    request_id: str | None = Field(description="The service's id of the request")
    client_request_id: str | None = Field(
        description="The X-Request-ID the client sent with the request, if any"
    )
    changes: dict[str, Any]

    @classmethod
    def from_model(cls, record: AuditRecord) -> AuditRecordOut:
        return cls(
            id=record.id,
            occurred_at=record.occurred_at,
            actor_account_id=record.actor_account_id,
            actor_user_id=record.actor_user_id,
            actor_name=record.actor_name,
            actor_role=record.actor_role,
            action=record.action,
            object_type=record.object_type,
            object_id=record.object_id,
            request_id=record.request_id,
            client_request_id=record.client_request_id,
            changes=record.changes,
        )

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from models import AuditRecord
from service.http.fields import with_examples


class AuditRecordOut(BaseModel):
    """One write: who did what to which object, and when."""

    model_config = with_examples(
        {
            "id": "f8a6c4e2-1b9d-4f7e-a5c3-9d1b7e5a3c2b",
            "occurred_at": "2026-11-21T09:30:00Z",
            "actor_account_id": "c1e7b9a4-6d2f-4a83-b5e0-2f9c8d7a6b32",
            "actor_user_id": "9c5a3f28-7e1b-4c6d-a2f9-8b7e6d5c4a76",
            "actor_name": "Li Wei",
            "actor_role": "commission",
            "action": "financing_request.reject",
            "object_type": "financing_request",
            "object_id": "7d4c2b19-5e3f-4a6b-8c1d-9f0e2a4b6c54",
            "request_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "client_request_id": None,
            "changes": {
                "status": {"from": "submitted", "to": "rejected"},
                "review_note": "Please add audited accounts",
            },
        }
    )

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

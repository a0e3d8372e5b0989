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
    actor_role: str
    action: str = Field(examples=["financing_request.reject"])
    object_type: str = Field(examples=["financing_request"])
    object_id: str
    request_id: str | None
    changes: dict[str, Any]

    @classmethod
    def from_model(cls, record: AuditRecord) -> AuditRecordOut:
        return cls(
            id=record.id,
            occurred_at=record.occurred_at,
            actor_account_id=record.actor_account_id,
            actor_role=record.actor_role,
            action=record.action,
            object_type=record.object_type,
            object_id=record.object_id,
            request_id=record.request_id,
            changes=record.changes,
        )

"""Append one audit record per write, in the same transaction as the write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from models import AuditRecord
from service.core.request_context import current_client_request_id, current_request_id
from service.http.auth import Principal


def record_audit(
    *,
    session: Session,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: str,
    changes: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditRecord(
            actor_account_id=principal.account_id,
            actor_user_id=principal.user_id,
            actor_name=principal.display_name,
            actor_role=principal.role.value,
            action=action,
            object_type=object_type,
            object_id=object_id,
            request_id=current_request_id(),
            client_request_id=current_client_request_id(),
            changes=changes or {},
        )
    )


def audit_value(value: Any) -> Any:
    """A JSON-safe value for the trail: exact amounts as strings."""
    return str(value) if isinstance(value, Decimal) else value

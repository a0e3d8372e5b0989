from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from models import ApiKey, User
from service.http.fields import WRITE_MODEL_CONFIG, Name


class ApiKeyCreate(BaseModel):
    model_config = WRITE_MODEL_CONFIG

    name: Name = Field(description="What the key is for", examples=["nightly CRM export"])
    account_key: bool = Field(
        default=False,
        description="The account's key (for a machine), not the caller's own; needs the "
        "account's admin. A caller with no user of its own always makes an account key",
    )
    account_id: str | None = Field(
        default=None,
        max_length=36,
        description="The commission only: make an account key of this account",
    )


class ApiKeyOut(BaseModel):
    """A key as lists show it: never the key, never its hash."""

    id: str
    name: str
    prefix: str | None = Field(
        description="The key's first characters, to tell keys apart (null for keys issued "
        "before keys had one)",
        examples=["mk_Q2x9fT0"],
    )
    account_id: str
    user_id: str | None = Field(description="The owner; null for an account's own key")
    user_name: str | None = Field(description="The owner's name")
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="To the minute")
    revoked_at: dt.datetime | None

    @classmethod
    def from_model(cls, key: ApiKey, owner: User | None) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            account_id=key.account_id,
            user_id=key.user_id,
            user_name=owner.name if owner is not None else None,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    api_key: str | None = Field(
        description=(
            "Shown once; only its hash is stored. Null when the response is an idempotent "
            "replay (Idempotent-Replayed: true): keys are never stored in the clear."
        )
    )

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, StrictBool

from models import ApiKey, User
from service.http.fields import Name, with_examples


class ApiKeyCreate(BaseModel):
    model_config = with_examples(
        {"name": "nightly CRM export"},
        {
            "name": "CRM sync",
            "account_key": True,
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
        },
        write=True,
    )

    name: Name = Field(description="What the key is for", examples=["nightly CRM export"])
    account_key: StrictBool = Field(
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

    model_config = with_examples(
        {
            "id": "4a1e8d6c-2f7b-4e9a-9d3c-5b6a8f1e2c87",
            "name": "nightly CRM export",
            "prefix": "mk_Q2x9fT0",
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "user_id": "9c5a3f28-7e1b-4c6d-a2f9-8b7e6d5c4a76",
            "user_name": "Li Wei",
            "created_at": "2026-11-21T09:30:00Z",
            "last_used_at": "2026-11-21T09:30:00Z",
            "revoked_at": None,
        }
    )

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
    model_config = with_examples(
        {
            "id": "4a1e8d6c-2f7b-4e9a-9d3c-5b6a8f1e2c87",
            "name": "nightly CRM export",
            "prefix": "mk_Q2x9fT0",
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "user_id": "9c5a3f28-7e1b-4c6d-a2f9-8b7e6d5c4a76",
            "user_name": "Li Wei",
            "created_at": "2026-11-21T09:30:00Z",
            "last_used_at": None,
            "revoked_at": None,
            "api_key": "mk_Q2x9fT0sV8bN3kLm7pR1wZ4yC6dE",
        }
    )

    api_key: str | None = Field(
        description=(
            "Shown once; only its hash is stored. Null when the response is an idempotent "
            "replay (Idempotent-Replayed: true): keys are never stored in the clear."
        )
    )

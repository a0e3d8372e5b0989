from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from models import Account, Role
from service.http.fields import WRITE_MODEL_CONFIG, Name


class AccountCreate(BaseModel):
    model_config = WRITE_MODEL_CONFIG

    role: Role
    name: Name


class AccountOut(BaseModel):
    id: str
    role: Role
    name: str
    created_at: dt.datetime

    @classmethod
    def from_model(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id, role=account.role, name=account.name, created_at=account.created_at
        )


class AccountCreated(AccountOut):
    api_key: str | None = Field(
        description=(
            "Shown once; only its hash is stored. Null when the response is an idempotent "
            "replay (Idempotent-Replayed: true): keys are never stored in the clear."
        )
    )


class Me(BaseModel):
    account_id: str | None
    role: Role
    name: str

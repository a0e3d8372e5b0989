from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from models import Account, Role
from service.http.fields import Name, with_examples


class AccountCreate(BaseModel):
    model_config = with_examples(
        {"role": "investor", "name": "Hillhouse Capital"},
        {"role": "startup", "name": "Stepfun"},
        write=True,
    )

    role: Role
    name: Name


class AccountOut(BaseModel):
    model_config = with_examples(
        {
            "id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "role": "investor",
            "name": "Hillhouse Capital",
            "created_at": "2026-11-21T09:30:00Z",
        }
    )

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
    model_config = with_examples(
        {
            "id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "role": "investor",
            "name": "Hillhouse Capital",
            "created_at": "2026-11-21T09:30:00Z",
            "api_key": "mk_Q2x9fT0sV8bN3kLm7pR1wZ4yC6dE",
        }
    )

    api_key: str | None = Field(
        description=(
            "Shown once; only its hash is stored. Null when the response is an idempotent "
            "replay (Idempotent-Replayed: true): keys are never stored in the clear."
        )
    )


class Me(BaseModel):
    model_config = with_examples(
        {
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "role": "investor",
            "name": "Hillhouse Capital",
        }
    )

    account_id: str | None
    role: Role
    name: str

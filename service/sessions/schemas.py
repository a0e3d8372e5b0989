from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from models import Role
from service.http.fields import with_examples
from service.users.passwords import MAX_PASSWORD_LENGTH


class SignIn(BaseModel):
    model_config = with_examples(
        {"username": "li.wei", "password": "a long passphrase of mine"}, write=True
    )

    # Any text: a username that cannot exist is refused like a wrong one (401), so the
    # answer never tells which usernames exist.
    username: Annotated[str, StringConstraints(to_lower=True, min_length=1, max_length=200)] = (
        Field(examples=["li.wei"])
    )
    password: Annotated[
        str, StringConstraints(strip_whitespace=False, min_length=1, max_length=MAX_PASSWORD_LENGTH)
    ]


class SignedInUser(BaseModel):
    model_config = with_examples(
        {
            "id": "9c5a3f28-7e1b-4c6d-a2f9-8b7e6d5c4a76",
            "username": "li.wei",
            "name": "Li Wei",
            "admin": False,
        }
    )

    id: str
    username: str
    name: str
    admin: bool = Field(description="May invite colleagues and manage the account's keys")


class CurrentSession(BaseModel):
    """Who is signed in: the person, the account they act for and its role."""

    model_config = with_examples(
        {
            "user": {
                "id": "9c5a3f28-7e1b-4c6d-a2f9-8b7e6d5c4a76",
                "username": "li.wei",
                "name": "Li Wei",
                "admin": False,
            },
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "account_name": "Hillhouse Capital",
            "role": "investor",
            "via": "session",
            "expires_at": "2026-11-21T21:30:00Z",
        },
        {
            "user": None,
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "account_name": "Hillhouse Capital",
            "role": "investor",
            "via": "api_key",
            "expires_at": None,
        },
    )

    user: SignedInUser | None = Field(
        description="Null for an account's own key or the bootstrap admin key"
    )
    account_id: str | None = Field(description="Null for the bootstrap admin key")
    account_name: str
    role: Role
    via: Literal["session", "api_key"] = Field(description="The credential of this request")
    expires_at: dt.datetime | None = Field(
        description="When the session ends at the latest (it also ends after "
        "MATCHMAKER_SESSION_IDLE_MINUTES without a request); null for a key"
    )

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from models import Role
from service.http.fields import WRITE_MODEL_CONFIG
from service.users.passwords import MAX_PASSWORD_LENGTH


class SignIn(BaseModel):
    model_config = WRITE_MODEL_CONFIG

    # Any text: a username that cannot exist is refused like a wrong one (401), so the
    # answer never tells which usernames exist.
    username: Annotated[str, StringConstraints(to_lower=True, min_length=1, max_length=200)] = (
        Field(examples=["li.wei"])
    )
    password: Annotated[
        str, StringConstraints(strip_whitespace=False, min_length=1, max_length=MAX_PASSWORD_LENGTH)
    ]


class SignedInUser(BaseModel):
    id: str
    username: str
    name: str
    admin: bool = Field(description="May invite colleagues and manage the account's keys")


class CurrentSession(BaseModel):
    """Who is signed in: the person, the account they act for and its role."""

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

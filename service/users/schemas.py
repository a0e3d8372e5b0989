from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from models import Invitation, User
from service.http.fields import WRITE_MODEL_CONFIG, Name
from service.users.passwords import MAX_PASSWORD_LENGTH

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=3,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+\-]*$",
    ),
    Field(
        description=(
            "3 to 64 characters from A-Z a-z 0-9 . _ @ + - (an e-mail address will do), starting "
            "with a letter or digit; compared in lower case"
        ),
        examples=["li.wei"],
    ),
]
# Its rules (length, not a common password) are judged by the service, which names the field.
# Never stripped: every character the person typed is part of the password.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False),
    Field(
        min_length=1,
        max_length=MAX_PASSWORD_LENGTH,
        description="At least 12 characters, not a common password, not the username",
    ),
]


class InvitationCreate(BaseModel):
    model_config = WRITE_MODEL_CONFIG

    account_id: str | None = Field(
        default=None,
        max_length=36,
        description="The account the person will act for; the commission may name any, "
        "others only their own (the default)",
    )
    name: Name | None = Field(default=None, description="Whom the invitation is for")
    admin: bool = Field(
        default=False, description="May invite colleagues and manage the account's keys"
    )


class InvitationOut(BaseModel):
    id: str
    account_id: str
    name: str | None
    admin: bool
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    user_id: str | None

    @classmethod
    def from_model(cls, invitation: Invitation) -> InvitationOut:
        return cls(
            id=invitation.id,
            account_id=invitation.account_id,
            name=invitation.name,
            admin=invitation.is_admin,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            accepted_at=invitation.accepted_at,
            user_id=invitation.user_id,
        )


class InvitationCreated(InvitationOut):
    invitation_code: str | None = Field(
        description=(
            "Shown once; only its hash is stored. Valid 72 hours, for one acceptance. Null "
            "when the response is an idempotent replay (Idempotent-Replayed: true)."
        )
    )


class InvitationAccept(BaseModel):
    model_config = WRITE_MODEL_CONFIG

    code: str = Field(min_length=1, max_length=200, description="The invitation code")
    username: Username
    password: Password
    name: Name | None = Field(
        default=None, description="Your name as colleagues see it; the invitation's by default"
    )


class UserOut(BaseModel):
    id: str
    account_id: str
    username: str
    name: str
    admin: bool
    created_at: dt.datetime

    @classmethod
    def from_model(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            account_id=user.account_id,
            username=user.username,
            name=user.name,
            admin=user.is_admin,
            created_at=user.created_at,
        )

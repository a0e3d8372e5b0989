from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints

from models import Invitation, User
from service.http.fields import Name, with_examples
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
    model_config = with_examples(
        {"account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10", "name": "Li Wei"},
        {"account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10", "name": "Zhang Min", "admin": True},
        write=True,
    )

    account_id: str | None = Field(
        default=None,
        max_length=36,
        description="The account the person will act for; the commission may name any, "
        "others only their own (the default)",
    )
    name: Name | None = Field(default=None, description="Whom the invitation is for")
    admin: StrictBool = Field(
        default=False, description="May invite colleagues and manage the account's keys"
    )


class InvitationOut(BaseModel):
    model_config = with_examples(
        {
            "id": "e4c2a8f6-5d1b-4e3a-9f7c-2b8d6a4e1f1a",
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "name": "Li Wei",
            "admin": False,
            "created_at": "2026-11-21T09:30:00Z",
            "expires_at": "2026-11-24T09:30:00Z",
            "accepted_at": None,
            "user_id": None,
            "withdrawn_at": None,
        }
    )

    id: str
    account_id: str
    name: str | None
    admin: bool
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    user_id: str | None
    withdrawn_at: dt.datetime | None = Field(
        description="When it was withdrawn before use (its code no longer works); else null"
    )

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
            withdrawn_at=invitation.withdrawn_at,
        )


class InvitationCreated(InvitationOut):
    model_config = with_examples(
        {
            "id": "e4c2a8f6-5d1b-4e3a-9f7c-2b8d6a4e1f1a",
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "name": "Li Wei",
            "admin": False,
            "created_at": "2026-11-21T09:30:00Z",
            "expires_at": "2026-11-24T09:30:00Z",
            "accepted_at": None,
            "user_id": None,
            "withdrawn_at": None,
            "invitation_code": "inv_8Hq2Xk5Vn9Rt3Wm6Py1Bz4",
        }
    )

    invitation_code: str | None = Field(
        description=(
            "Shown once; only its hash is stored. Valid 72 hours, for one acceptance. Null "
            "when the response is an idempotent replay (Idempotent-Replayed: true)."
        )
    )


class InvitationAccept(BaseModel):
    model_config = with_examples(
        {
            "code": "inv_8Hq2Xk5Vn9Rt3Wm6Py1Bz4",
            "username": "li.wei",
            "password": "a long passphrase of mine",
            "name": "Li Wei",
        },
        write=True,
    )

    code: str = Field(min_length=1, max_length=200, description="The invitation code")
    username: Username
    password: Password
    name: Name | None = Field(
        default=None, description="Your name as colleagues see it; the invitation's by default"
    )


class UserOut(BaseModel):
    model_config = with_examples(
        {
            "id": "9c5a3f28-7e1b-4c6d-a2f9-8b7e6d5c4a76",
            "account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "username": "li.wei",
            "name": "Li Wei",
            "admin": False,
            "created_at": "2026-11-21T09:30:00Z",
        }
    )

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

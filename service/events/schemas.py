from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from models import Event
from service.http.fields import with_examples

EventName = Annotated[str, Field(min_length=1, max_length=200)]
Place = Annotated[str, Field(min_length=1, max_length=200)]


# An event's day: a typing slip such as 9999-12-31 or 0202-11-05 is refused, not stored.
EventDate = Annotated[
    dt.date,
    Field(
        ge=dt.date(2000, 1, 1),
        le=dt.date(2099, 12, 31),
        description="The (first) day, ISO 8601, from 2000 to 2099",
        examples=["2026-11-05"],
    ),
]


class EventCreate(BaseModel):
    """A conference or campaign at which financing requests are presented."""

    model_config = with_examples(
        {"name": "2026 Shanghai Investment Conference", "date": "2026-11-05", "place": "Shanghai"},
        {"name": "Pudong AI campaign 2027", "date": "2027-03-01"},
        write=True,
    )

    name: EventName = Field(examples=["2026 Shanghai Investment Conference"])
    date: EventDate
    place: Place | None = Field(default=None, description="Where; a campaign may have none")
    registration_due_months: int = Field(
        default=3, ge=1, le=60, description="A deal is due registered this long after signing"
    )
    production_due_months: int = Field(
        default=12, ge=1, le=120, description="A deal is due producing this long after signing"
    )


class EventUpdate(BaseModel):
    """The fields to change; those left out stay as they are (If-Match: the ETag you read)."""

    model_config = with_examples(
        {"date": "2026-11-06", "place": "Shanghai Expo Centre"},
        {"name": "2026 Shanghai Investment Promotion Conference"},
        write=True,
    )

    name: EventName | None = Field(default=None, description="Unique among events")
    date: EventDate | None = None
    place: Place | None = Field(default=None, description="Where; null: no single place")
    registration_due_months: int | None = Field(default=None, ge=1, le=60)
    production_due_months: int | None = Field(default=None, ge=1, le=120)


class EventOut(BaseModel):
    model_config = with_examples(
        {
            "id": "2b8f6e3d-1a9c-4d7e-b5f2-4c3a1e0d9f65",
            "name": "2026 Shanghai Investment Conference",
            "date": "2026-11-05",
            "place": "Shanghai",
            "registration_due_months": 3,
            "production_due_months": 12,
            "created_at": "2026-11-21T09:30:00Z",
            "updated_at": "2026-11-21T09:30:00Z",
            "revision": 1,
        }
    )

    id: str
    name: str
    date: dt.date
    place: str | None
    registration_due_months: int
    production_due_months: int
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int

    @classmethod
    def from_model(cls, event: Event) -> EventOut:
        return cls(
            id=event.id,
            name=event.name,
            date=event.date,
            place=event.place,
            registration_due_months=event.registration_due_months,
            production_due_months=event.production_due_months,
            created_at=event.created_at,
            updated_at=event.updated_at,
            revision=event.revision,
        )

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
        {
            "name": "2026上海城市推介大会",
            "name_en": "2026 Shanghai City Investment Promotion Conference",
            "date": "2026-11-05",
            "place": "上海",
            "place_en": "Shanghai",
        },
        {"name": "Pudong AI campaign 2027", "date": "2027-03-01"},
        write=True,
    )

    name: EventName = Field(examples=["2026 Shanghai Investment Conference"])
    name_en: EventName | None = Field(
        default=None, description="The name English readers see; none: they read name"
    )
    date: EventDate
    place: Place | None = Field(default=None, description="Where; a campaign may have none")
    place_en: Place | None = Field(
        default=None, description="The place English readers see; none: they read place"
    )
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
    name_en: EventName | None = Field(default=None, description="null: English readers read name")
    date: EventDate | None = None
    place: Place | None = Field(default=None, description="Where; null: no single place")
    place_en: Place | None = Field(default=None, description="null: English readers read place")
    registration_due_months: int | None = Field(default=None, ge=1, le=60)
    production_due_months: int | None = Field(default=None, ge=1, le=120)


class EventOut(BaseModel):
    model_config = with_examples(
        {
            "id": "2b8f6e3d-1a9c-4d7e-b5f2-4c3a1e0d9f65",
            "name": "2026上海城市推介大会",
            "name_en": "2026 Shanghai City Investment Promotion Conference",
            "date": "2026-11-05",
            "place": "上海",
            "place_en": "Shanghai",
            "registration_due_months": 3,
            "production_due_months": 12,
            "created_at": "2026-11-21T09:30:00Z",
            "updated_at": "2026-11-21T09:30:00Z",
            "revision": 1,
        }
    )

    id: str
    name: str
    name_en: str | None
    date: dt.date
    place: str | None
    place_en: str | None
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
            name_en=event.name_en,
            date=event.date,
            place=event.place,
            place_en=event.place_en,
            registration_due_months=event.registration_due_months,
            production_due_months=event.production_due_months,
            created_at=event.created_at,
            updated_at=event.updated_at,
            revision=event.revision,
        )

"""Conference day over HTTP: the programme, meetings, availability, schedules, proposals."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictBool

from models import MeetingAnswer, MeetingSide, MeetingStatus
from service.conference.problem import (
    DEFAULT_COVERAGE_K,
    DEFAULT_TIME_LIMIT_SECONDS,
    LeftOutReason,
)
from service.http.fields import CheckedTogether, CrossFieldProblem, with_examples

MAX_DAYS = 14
MAX_SLOTS_PER_DAY = 48
MAX_TABLES = 1000
MAX_MEETINGS_PER_INVESTOR = 200
MAX_COVERAGE_K = 20
MAX_TIME_LIMIT_SECONDS = 120.0
EXAMPLE_EVENT = "2b8f6e3d-1a9c-4d7e-b5f2-4c3a1e0d9f65"
EXAMPLE_MEETING = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
EXAMPLE_REQUEST = "0f8e7d6c-5b4a-4938-8271-6a5b4c3d2e1f"
EXAMPLE_INVESTOR = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
EXAMPLE_SLOT = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
EXAMPLE_SCHEDULE = "5e6f7a8b-9c0d-4e1f-9a2b-3c4d5e6f7a8b"


def _known_time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as unknown:
        raise ValueError("Unknown time zone; use an IANA name such as Asia/Shanghai") from unknown
    return name


# A conference day within these years: every slot's start converts between the event's time
# zone and UTC without leaving the calendar (0001-01-01 at 00:00 in Shanghai is before it).
FIRST_PROGRAMME_DAY = dt.date(1900, 1, 1)
LAST_PROGRAMME_DAY = dt.date(9998, 12, 31)
ProgrammeDay = Annotated[
    dt.date,
    Field(
        ge=FIRST_PROGRAMME_DAY,
        le=LAST_PROGRAMME_DAY,
        description="A day of the conference, ISO 8601",
        examples=["2030-11-07"],
    ),
]

TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_known_time_zone)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class SlotTime(BaseModel):
    """A slot's start (local time of the event) and length; every day has the same slots."""

    model_config = with_examples({"start": "09:00", "minutes": 30}, write=True)

    start: dt.time = Field(examples=["09:00"])
    # Whole fives, as people write meeting times: 13:30-13:37 fits no diary.
    minutes: int = Field(ge=5, le=240, multiple_of=5, examples=[30])


class ProgrammeWrite(CheckedTogether):
    """The event's meeting programme: days, the slots of each day, tables, a cap per investor.

    Replacing it is allowed until the first schedule is solved (seats point at slots)."""

    model_config = with_examples(
        {
            "time_zone": "Asia/Shanghai",
            "days": ["2030-11-07", "2030-11-08"],
            "slots": [
                {"start": "09:00", "minutes": 30},
                {"start": "09:30", "minutes": 30},
                {"start": "10:00", "minutes": 30},
            ],
            "tables": 40,
            "investor_meeting_cap": 12,
        },
        write=True,
    )

    time_zone: TimeZoneName = "Asia/Shanghai"
    days: list[ProgrammeDay] = Field(min_length=1, max_length=MAX_DAYS)
    slots: list[SlotTime] = Field(min_length=1, max_length=MAX_SLOTS_PER_DAY)
    tables: int = Field(ge=1, le=MAX_TABLES, description="Tables (or rooms) in every slot")
    investor_meeting_cap: int | None = Field(
        default=None,
        ge=1,
        le=MAX_MEETINGS_PER_INVESTOR,
        description="At most this many meetings per investor account; none: no cap",
    )

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        days = values.get("days")
        if isinstance(days, list) and len(set(days)) != len(days):
            yield CrossFieldProblem(("days",), "duplicate", "Each day once")
        slots = values.get("slots")
        if isinstance(slots, list) and all(isinstance(s, SlotTime) for s in slots):
            spans = sorted((s.start.hour * 60 + s.start.minute, s.minutes) for s in slots)
            for (start, minutes), (next_start, _) in itertools.pairwise(spans):
                if start + minutes > next_start:
                    yield CrossFieldProblem(("slots",), "overlap", "Slots must not overlap")
                    break
            if spans and spans[-1][0] + spans[-1][1] > 24 * 60:
                yield CrossFieldProblem(("slots",), "past_midnight", "A slot ends by midnight")


class SlotOut(BaseModel):
    model_config = with_examples(
        {
            "id": EXAMPLE_SLOT,
            "position": 0,
            "starts_at": "2026-11-05T01:00:00Z",
            "ends_at": "2026-11-05T01:30:00Z",
            "local_start": "2026-11-05T09:00:00+08:00",
            "local_end": "2026-11-05T09:30:00+08:00",
        }
    )

    id: str
    position: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: dt.datetime = Field(description="The start in the event's time zone")
    local_end: dt.datetime


class ProgrammeOut(BaseModel):
    model_config = with_examples(
        {
            "event_id": EXAMPLE_EVENT,
            "name": "2026 Shanghai Investment Conference",
            "date": "2026-11-05",
            "place": "Shanghai",
            "time_zone": "Asia/Shanghai",
            "tables": 40,
            "investor_meeting_cap": 12,
            "slots": [SlotOut.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
            "revision": 2,
        }
    )

    event_id: str
    name: str
    date: dt.date
    place: str | None
    time_zone: str
    tables: int | None = Field(description="None: the event has no meeting programme yet")
    investor_meeting_cap: int | None
    slots: list[SlotOut]
    revision: int


class MeetingCreate(BaseModel):
    """Ask for a meeting: an investor with one of its mandates and a request presented at the
    event; a startup with one of its requests and an investor that showed interest in it; the
    commission with any such pair (a proposal both sides answer)."""

    model_config = with_examples(
        {"financing_request_id": EXAMPLE_REQUEST, "investor_profile_id": EXAMPLE_INVESTOR},
        write=True,
    )

    financing_request_id: str = Field(min_length=1, max_length=36)
    investor_profile_id: str = Field(min_length=1, max_length=36)


class MeetingAnswerWrite(CheckedTogether):
    """Accept, or decline with a reason."""

    model_config = with_examples(
        {"answer": "accepted"},
        {"answer": "declined", "reason": "We are not investing in hardware this year"},
        write=True,
    )

    answer: Literal[MeetingAnswer.ACCEPTED, MeetingAnswer.DECLINED]
    reason: Reason | None = Field(default=None, description="Required when declining")

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        declined = values.get("answer") is MeetingAnswer.DECLINED
        if declined and "reason" in values and values["reason"] is None:
            yield CrossFieldProblem(("reason",), "missing", "Say why you decline")


class MeetingCancel(BaseModel):
    model_config = with_examples({"reason": "Our partner cannot travel that week"}, write=True)

    reason: Reason


class SeatOut(BaseModel):
    """Where and when a meeting sits in the event's newest schedule."""

    model_config = with_examples(
        {
            "slot_id": EXAMPLE_SLOT,
            "starts_at": "2026-11-05T01:00:00Z",
            "ends_at": "2026-11-05T01:30:00Z",
            "local_start": "2026-11-05T09:00:00+08:00",
            "table": 7,
        }
    )

    slot_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: dt.datetime
    table: int


class MeetingOut(BaseModel):
    model_config = with_examples(
        {
            "id": EXAMPLE_MEETING,
            "event_id": EXAMPLE_EVENT,
            "financing_request_id": EXAMPLE_REQUEST,
            "company": "StepFun",
            "request_title": "Series C for multimodal foundation models",
            "investor_profile_id": EXAMPLE_INVESTOR,
            "investor_name": "Hillhouse Capital: AI growth",
            "requested_by": "investor",
            "investor_answer": "accepted",
            "startup_answer": "pending",
            "status": "pending",
            "reason": None,
            "score": 0.874,
            "within_mandate": True,
            "seat": None,
            "created_at": "2026-11-21T09:30:00Z",
            "updated_at": "2026-11-21T09:30:00Z",
            "revision": 1,
        }
    )

    id: str
    event_id: str
    financing_request_id: str
    company: str
    request_title: str
    investor_profile_id: str
    investor_name: str
    requested_by: MeetingSide
    investor_answer: MeetingAnswer
    startup_answer: MeetingAnswer
    status: MeetingStatus
    reason: str | None = Field(description="Why it was declined or cancelled")
    score: float = Field(description="The pair's match score when the meeting was asked for")
    within_mandate: bool | None = Field(
        description=(
            "Whether the pair was a match when the meeting was asked for: the request within "
            "the mandate's sectors, ticket and stages and open to it under the negative list. "
            "A pair outside may still score 0.6 on ticket and stage alone. Null for meetings "
            "asked before this was kept"
        )
    )
    seat: SeatOut | None = Field(description="Its slot and table in the newest schedule")
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int


class AvailabilityWrite(BaseModel):
    """The slots in which your people can meet (the ids from the event's programme)."""

    model_config = with_examples({"slot_ids": [EXAMPLE_SLOT]}, write=True)

    slot_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(
        max_length=MAX_DAYS * MAX_SLOTS_PER_DAY
    )


class AvailabilityOut(BaseModel):
    model_config = with_examples(
        {"event_id": EXAMPLE_EVENT, "stated": True, "slot_ids": [EXAMPLE_SLOT], "revision": 1}
    )

    event_id: str
    stated: bool = Field(description="False: not said yet, so available in every slot")
    slot_ids: list[str]
    revision: int = Field(description="0 until stated")


class SeatWrite(BaseModel):
    """Where one meeting should sit: a slot of the event's programme and a table."""

    model_config = with_examples({"slot_id": EXAMPLE_SLOT, "table": 3}, write=True)

    slot_id: str = Field(min_length=1, max_length=36)
    table: int = Field(ge=1, le=1000, description="Numbered from 1, at most the event's tables")


class ScheduleCreate(BaseModel):
    """Solve the event's accepted meetings into slots and tables."""

    model_config = with_examples({}, {"coverage_k": 3, "time_limit_seconds": 30}, write=True)

    coverage_k: int = Field(
        default=DEFAULT_COVERAGE_K,
        ge=1,
        le=MAX_COVERAGE_K,
        description="A request is covered when it has at least this many meetings",
    )
    time_limit_seconds: float = Field(
        default=DEFAULT_TIME_LIMIT_SECONDS, gt=0, le=MAX_TIME_LIMIT_SECONDS
    )
    keep_seats: StrictBool = Field(
        default=False,
        description=(
            "On a re-solve, keep every meeting of the current schedule in its seat unless it "
            "cannot stay (called off, or a party no longer free then), before covering more "
            "requests; coverage may then stay below greedy's. False: coverage first, then "
            "kept seats, then score"
        ),
    )


class LeftOutOut(BaseModel):
    model_config = with_examples({"meeting_id": EXAMPLE_MEETING, "reason": "tables_full"})

    meeting_id: str
    reason: LeftOutReason


class PlacementOut(BaseModel):
    model_config = with_examples(
        {
            "meeting_id": EXAMPLE_MEETING,
            "financing_request_id": EXAMPLE_REQUEST,
            "company": "StepFun",
            "investor_profile_id": EXAMPLE_INVESTOR,
            "investor_name": "Hillhouse Capital: AI growth",
            "seat": SeatOut.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
        }
    )

    meeting_id: str
    financing_request_id: str
    company: str
    investor_profile_id: str
    investor_name: str
    seat: SeatOut


class ScheduleOut(BaseModel):
    model_config = with_examples(
        {
            "id": EXAMPLE_SCHEDULE,
            "event_id": EXAMPLE_EVENT,
            "status": "optimal",
            "gap": 0.0,
            "coverage_k": 3,
            "requests": 1,
            "coverage": 1,
            "greedy_coverage": 1,
            "score_sum": 2.41,
            "greedy_score_sum": 2.41,
            "kept": 0,
            "moved": 0,
            "time_limit_seconds": 30.0,
            "wall_seconds": 0.04,
            "placements": [
                PlacementOut.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
            ],
            "left_out": [{"meeting_id": EXAMPLE_MEETING, "reason": "tables_full"}],
            "requests_below_k": [],
            "created_at": "2026-11-21T09:30:00Z",
        }
    )

    id: str
    event_id: str
    status: Literal["optimal", "feasible", "edited"] = Field(
        description=(
            "optimal or feasible as the solver left it; edited once a meeting was moved by "
            "hand (gap and greedy figures are then the solve's it was made from)"
        )
    )
    gap: float = Field(description="Relative gap to the solver's bound; 0 when optimal")
    coverage_k: int
    requests: int = Field(description="Requests with at least one accepted meeting")
    coverage: int = Field(description="Requests with at least coverage_k meetings placed")
    greedy_coverage: int = Field(description="The same figure for a greedy plan by score")
    score_sum: float
    greedy_score_sum: float
    kept: int = Field(description="Meetings in the same seat as in the previous schedule")
    moved: int = Field(description="Meetings of the previous schedule now elsewhere or out")
    time_limit_seconds: float
    wall_seconds: float
    placements: list[PlacementOut]
    left_out: list[LeftOutOut]
    requests_below_k: list[str] = Field(description="Outreach targets: fewer than k meetings")
    created_at: dt.datetime


class ProposalsCreate(BaseModel):
    """Propose pairs from the ranking for the event's requests with fewer than k meetings."""

    model_config = with_examples({}, {"coverage_k": 3, "min_score": 0.6}, write=True)

    coverage_k: int = Field(default=DEFAULT_COVERAGE_K, ge=1, le=MAX_COVERAGE_K)
    min_score: float = Field(
        default=0.6,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Only pairs scoring at least this: a good match scores 0.6, as in reports",
    )


class OutreachTargetOut(BaseModel):
    model_config = with_examples(
        {
            "financing_request_id": EXAMPLE_REQUEST,
            "company": "StepFun",
            "request_title": "基础大模型C轮融资",
            "meetings": 1,
        }
    )

    financing_request_id: str
    company: str
    request_title: str
    meetings: int = Field(
        description="Investors with an accepted or pending meeting after the proposals: a "
        "firm counts once, however many of its funds meet the request"
    )


class ProposalsOut(BaseModel):
    model_config = with_examples(
        {
            "proposed": [MeetingOut.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
            "outreach_targets": [
                OutreachTargetOut.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
            ],
        }
    )

    proposed: list[MeetingOut]
    outreach_targets: list[OutreachTargetOut] = Field(
        description="Requests still below k: the ranking has no more suitable investors"
    )


class EarlierSeatOut(BaseModel):
    """Where a meeting sat before it last moved (by a solve or by hand)."""

    model_config = with_examples({"starts_at": "2026-11-05T10:00:00+08:00", "table": 3})

    starts_at: dt.datetime = Field(description="In the event's time zone")
    table: int


class AgendaEntryOut(BaseModel):
    model_config = with_examples(
        {
            "meeting_id": EXAMPLE_MEETING,
            "starts_at": "2026-11-05T09:00:00+08:00",
            "ends_at": "2026-11-05T09:30:00+08:00",
            "table": 7,
            "company": "StepFun",
            "request_title": "Series C for multimodal foundation models",
            "investor_name": "Hillhouse Capital: AI growth",
        }
    )

    meeting_id: str
    starts_at: dt.datetime = Field(description="In the event's time zone")
    ends_at: dt.datetime
    table: int
    company: str
    request_title: str
    investor_name: str
    moved_from: EarlierSeatOut | None = Field(
        default=None,
        description=(
            "In an agenda, where the meeting sat before it last moved: its most recent seat, in"
            " any earlier schedule, that differs from the one it has now (kept through later"
            " solves); None if it never moved"
        ),
    )


class AgendaOut(BaseModel):
    model_config = with_examples(
        {
            "event_id": EXAMPLE_EVENT,
            "event_name": "2026 Shanghai Investment Conference",
            "place": "Shanghai",
            "time_zone": "Asia/Shanghai",
            "holder": "Hillhouse Capital",
            "schedule_id": EXAMPLE_SCHEDULE,
            "entries": [AgendaEntryOut.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
        }
    )

    event_id: str
    event_name: str
    place: str | None
    time_zone: str
    holder: str = Field(description="The account whose agenda this is")
    schedule_id: str | None = Field(description="None: no schedule solved yet")
    entries: list[AgendaEntryOut]


class TablePlanSlotOut(BaseModel):
    model_config = with_examples(
        {
            "starts_at": "2026-11-05T09:00:00+08:00",
            "ends_at": "2026-11-05T09:30:00+08:00",
            "tables": [AgendaEntryOut.model_config["json_schema_extra"]["examples"][0], None],  # type: ignore[index]
        }
    )

    starts_at: dt.datetime
    ends_at: dt.datetime
    tables: list[AgendaEntryOut | None] = Field(description="By table number from 1; null: free")


class TablePlanOut(BaseModel):
    model_config = with_examples(
        {
            "event_id": EXAMPLE_EVENT,
            "event_name": "2026 Shanghai Investment Conference",
            "time_zone": "Asia/Shanghai",
            "schedule_id": EXAMPLE_SCHEDULE,
            "meetings": 1,
            "out_of_date": False,
            "no_longer_free": 0,
            "called_off": 0,
            "unplaced": 0,
            "slots": [TablePlanSlotOut.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
        }
    )

    event_id: str
    event_name: str
    time_zone: str
    schedule_id: str
    meetings: int
    out_of_date: bool = Field(
        description="The plan seats a meeting at a time one side has since said it is not "
        "free (no_longer_free): solve again, keeping everyone's seat, before printing it. "
        "False once the event is over (the plan is then the record of the day)"
    )
    no_longer_free: int = Field(
        description="Seated meetings at a time one side has since said it is not free"
    )
    called_off: int = Field(description="Seats of meetings no longer confirmed (left empty)")
    unplaced: int = Field(description="Confirmed meetings without a seat in this plan")
    slots: list[TablePlanSlotOut]

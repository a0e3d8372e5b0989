from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from models import Report
from service.http.fields import MAX_CODES, SectorCode, StageCode, with_examples

MAX_TOP_K = 20


def _unique_sorted(codes: list[str]) -> list[str]:
    return sorted(set(codes))


class ReportCreate(BaseModel):
    """What to report on; an empty scope is every published request and every investor."""

    model_config = with_examples(
        {"top_k": 3, "min_score": 0.6, "title": "2026 浦东人工智能专场"},
        {"sectors": ["人工智能", "quantum"], "stages": ["B轮", "series_c"]},
        write=True,
    )

    event_id: Annotated[str, Field(min_length=1, max_length=36)] | None = Field(
        default=None, description="Only requests presented at this event"
    )
    sectors: Annotated[
        list[SectorCode], Field(max_length=MAX_CODES), AfterValidator(_unique_sorted)
    ] = Field(
        default_factory=list,
        description="Only requests (and mandates) in these sectors, their parents or children",
    )
    stages: Annotated[
        list[StageCode], Field(max_length=MAX_CODES), AfterValidator(_unique_sorted)
    ] = Field(default_factory=list, description="Only requests (and mandates) at these stages")
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K, description="Top pairs listed per side")
    min_score: float = Field(
        default=0.6, ge=0, le=1, allow_inf_nan=False, description="A good match scores this"
    )
    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None


class ReportSummaryOut(BaseModel):
    model_config = with_examples(
        {
            "id": "885b846d-d446-43cb-a161-a34bbbddb76a",
            "created_at": "2026-12-02T02:44:20Z",
            "created_by_account_id": "5f0c3a52-8d1e-4b7a-9c2f-1e6d4a3b2c10",
            "created_by_user_id": None,
            "created_by_name": "officer.wang",
            "title": "Match report: 2025 Shanghai City Investment Promotion Conference (CIIE)",
            "scope": {"event_id": "2b8f6e3d-1a9c-4d7e-b5f2-4c3a1e0d9f65", "sectors": []},
            "top_k": 5,
            "min_score": 0.6,
            "model": {"version": "default-v1"},
            "counts": {"published_requests": 11, "investor_profiles": 8},
            "totals": {"requests": 6, "capital_asked": "5900000000.00"},
            "coverage": {"covered": 1, "uncovered": 5},
        }
    )

    """A report as lists show it; ``GET /v1/reports/{id}`` returns the whole document."""

    id: str
    created_at: dt.datetime
    created_by_account_id: str | None
    created_by_user_id: str | None
    created_by_name: str | None = Field(description="Who ran it, by name as it was then")
    title: str
    scope: dict[str, Any]
    top_k: int
    min_score: float
    model: dict[str, Any]
    counts: dict[str, Any]
    totals: dict[str, Any]
    coverage: dict[str, Any]

    @classmethod
    def from_model(cls, report: Report) -> ReportSummaryOut:
        return cls(
            id=report.id,
            created_at=report.created_at,
            created_by_account_id=report.created_by_account_id,
            created_by_user_id=report.created_by_user_id,
            created_by_name=report.created_by_name,
            title=report.title,
            **report.summary,
        )

"""GET /v1/taxonomy: the codes every other endpoint accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, PlainSerializer

from service.http.routing import AuthFirstRoute
from service.reference_data.catalog import CodeEntry, get_reference_data

router = APIRouter(route_class=AuthFirstRoute, tags=["taxonomy"])

RateString = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str)]


class CodeOut(BaseModel):
    code: str
    name: str
    name_zh: str | None
    parent: str | None

    @classmethod
    def from_entry(cls, entry: CodeEntry) -> CodeOut:
        return cls(code=entry.code, name=entry.name, name_zh=entry.name_zh, parent=entry.parent)


class TaxonomyOut(BaseModel):
    sectors: list[CodeOut]
    stages: list[CodeOut]
    regions: list[CodeOut]
    currencies: dict[str, RateString]


@router.get("/v1/taxonomy", response_model=TaxonomyOut)
def read_taxonomy() -> TaxonomyOut:
    """Sectors (with parents), stages in order, regions, and CNY per unit of each currency."""
    reference = get_reference_data()
    return TaxonomyOut(
        sectors=[CodeOut.from_entry(s) for s in reference.sectors],
        stages=[CodeOut.from_entry(s) for s in reference.stages],
        regions=[CodeOut.from_entry(r) for r in reference.regions],
        currencies={code: reference.cny_per_unit[code] for code in reference.currencies},
    )

"""GET /v1/taxonomy: the codes every other endpoint accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, PlainSerializer

from service.http.fields import with_examples
from service.http.routing import AuthFirstRoute
from service.i18n.languages import current_language
from service.reference_data.catalog import CodeEntry, get_reference_data

router = APIRouter(route_class=AuthFirstRoute, tags=["taxonomy"])

RateString = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str)]


CODE_EXAMPLE = {
    "code": "ai.foundation_models",
    "label": "基础大模型",
    "name": "Foundation models",
    "name_zh": "基础大模型",
    "parent": "ai",
}


class CodeOut(BaseModel):
    model_config = with_examples(CODE_EXAMPLE)

    code: str
    label: str = Field(description="The name in the caller's language (Accept-Language)")
    name: str = Field(description="The English name; accepted wherever the code is")
    name_zh: str | None = Field(description="The Chinese name; accepted wherever the code is")
    parent: str | None

    @classmethod
    def from_entry(cls, entry: CodeEntry) -> CodeOut:
        return cls(
            code=entry.code,
            label=entry.name_in(current_language()),
            name=entry.name,
            name_zh=entry.name_zh,
            parent=entry.parent,
        )


class TaxonomyOut(BaseModel):
    """Every code the API takes, each with the names it also takes."""

    model_config = with_examples(
        {
            "sectors": [CODE_EXAMPLE],
            "stages": [
                {
                    "code": "series_b",
                    "label": "B轮",
                    "name": "Series B",
                    "name_zh": "B轮",
                    "parent": None,
                }
            ],
            "regions": [
                {
                    "code": "xuhui",
                    "label": "徐汇区",
                    "name": "Xuhui",
                    "name_zh": "徐汇区",
                    "parent": None,
                }
            ],
            "investor_kinds": [
                {
                    "code": "pe",
                    "label": "私募股权",
                    "name": "Private equity",
                    "name_zh": "私募股权",
                    "parent": None,
                }
            ],
            "origins": [
                {
                    "code": "domestic",
                    "label": "境内",
                    "name": "Domestic",
                    "name_zh": "境内",
                    "parent": None,
                }
            ],
            "currency_names": [
                {
                    "code": "CNY",
                    "label": "人民币",
                    "name": "Chinese yuan",
                    "name_zh": "人民币",
                    "parent": None,
                }
            ],
            "currencies": {"CNY": "1", "USD": "7.10"},
        }
    )

    sectors: list[CodeOut]
    stages: list[CodeOut]
    regions: list[CodeOut]
    investor_kinds: list[CodeOut]
    origins: list[CodeOut]
    currency_names: list[CodeOut]
    currencies: dict[str, RateString] = Field(description="CNY per one unit of each currency")


@router.get("/v1/taxonomy", response_model=TaxonomyOut)
def read_taxonomy() -> TaxonomyOut:
    """Sectors (with parents), stages in order, regions, investor kinds, origins and
    currencies, each with its Chinese and English names, and CNY per unit of each currency."""
    reference = get_reference_data()
    return TaxonomyOut(
        sectors=[CodeOut.from_entry(s) for s in reference.sectors],
        stages=[CodeOut.from_entry(s) for s in reference.stages],
        regions=[CodeOut.from_entry(r) for r in reference.regions],
        investor_kinds=[CodeOut.from_entry(k) for k in reference.entries("investor_kind")],
        origins=[CodeOut.from_entry(o) for o in reference.entries("origin")],
        currency_names=[CodeOut.from_entry(c) for c in reference.entries("currency")],
        currencies={code: reference.cny_per_unit[code] for code in reference.currencies},
    )

"""The report document is one typed model, written by the computation and read by every reader.

Its JSON is the stored and served contract: the model's dump must give back a stored document
byte for byte (key order, decimal strings, nulls), and a field the model does not know fails
where the document is built or read instead of vanishing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from service.reports.document import (
    CapitalRow,
    Listed,
    ReportDocument,
    RequestMatches,
    Scope,
    cents,
)
from tests.support.factories import ApiClient
from tests.support.report_documents import as_document, sample_report
from tests.support.report_world import build_fixture

LISTED = {"limit": 1000, "requests": 2, "unmatched": 2, "investors": 2}


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_an_unknown_field_fails_where_a_part_is_built() -> None:
    with pytest.raises(ValidationError, match="evnt_name"):
        Scope(event_id=None, evnt_name="2026 Shanghai")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="capital_avialable"):
        CapitalRow(
            code="ai",
            name="Artificial intelligence",
            requests=1,
            capital_asked=Decimal("1.00"),
            fitting_investors=0,
            capital_avialable=Decimal("0.00"),  # type: ignore[call-arg]
        )


@pytest.mark.parametrize(
    "misspelt",
    [
        lambda r: r.update(titel="x"),
        lambda r: r["totals"].update(capitl_asked="1.00"),
        lambda r: r["requests"][0]["top_investors"][0].update(scores=0.5),
        lambda r: r["listed"].update(unmached=1),
    ],
)
def test_an_unknown_field_fails_where_a_document_is_read(misspelt: Any) -> None:
    report = sample_report(listed=dict(LISTED))
    misspelt(report)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        as_document(report)


def test_a_part_missing_a_written_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="investors_above_min_score"):
        RequestMatches(  # type: ignore[call-arg]
            financing_request_id="r-1",
            company="c",
            title="t",
            sectors=[],
            stage="seed",
            amount=Decimal("1.00"),
            currency="CNY",
        )


def test_the_contract_reads_back_to_the_same_bytes() -> None:
    stored = sample_report(listed=dict(LISTED))
    assert _json(as_document(stored).model_dump(mode="json")) == _json(stored)


def test_amounts_are_written_with_two_places() -> None:
    assert str(cents(Decimal("1355000000"))) == "1355000000.00"
    assert str(cents(Decimal("0.1"))) == "0.10"
    assert str(cents(Decimal(0))) == "0.00"
    listed = Listed(limit=1000, requests=0, unmatched=0, investors=0)
    assert listed.model_dump(mode="json") == {
        "limit": 1000,
        "requests": 0,
        "unmatched": 0,
        "investors": 0,
    }


def test_a_computed_report_is_served_as_the_dump_of_its_model(api: ApiClient) -> None:
    fx = build_fixture(api)
    created = api.client.post(
        "/v1/reports", json={"event_id": fx.event_id, "min_score": 0.8}, headers=api.admin
    )
    assert created.status_code == 201, created.text
    served = created.json()
    document = ReportDocument.model_validate(served)
    # The served bytes are the model's dump, key for key and digit for digit.
    assert created.content == JSONResponse(document.model_dump(mode="json")).body
    assert _json(document.model_dump(mode="json")) == _json(served)
    contract = sample_report()
    assert list(served["requests"][0]) == list(contract["requests"][0])
    assert list(served["unmatched"][0]) == list(contract["unmatched"][0])
    again = api.client.get(f"/v1/reports/{served['id']}", headers=api.admin)
    assert again.content == created.content


def test_the_published_schema_is_the_one_recorded_before_the_model_was_written() -> None:
    """The OpenAPI checksum guards every byte; this says what the published schema leaves out."""
    schema = ReportDocument.model_json_schema(mode="serialization")
    parts = schema["$defs"]
    assert all("additionalProperties" not in part for part in [schema, *parts.values()])
    assert list(parts["RequestMatches"]["properties"]) == [
        "financing_request_id",
        "company",
        "title",
        "title_en",
        "amount",
        "currency",
        "seen_by_investors",
        "top_investors",
    ]
    assert list(parts["Listed"]["properties"]) == ["limit"]

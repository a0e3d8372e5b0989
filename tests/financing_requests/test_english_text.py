"""A request's English title and summary over the API: optional, stored as sent, cleared
with null, checked like the title, and part of the words the ranker compares with a thesis
(a foreign investor's thesis is often in English)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FinancingRequest
from scoring.text import stored_text_counts
from service.financing_requests.service import text_to_match
from tests.support.factories import ApiClient, request_payload


def _stored_features(session: Session, request_id: str) -> bytes | None:
    session.expire_all()
    return session.scalars(
        select(FinancingRequest.text_features).where(FinancingRequest.id == request_id)
    ).one()


def test_english_text_is_stored_read_back_and_cleared(api: ApiClient, db_session: Session) -> None:
    startup = api.create_account("startup")
    created = api.client.post(
        "/v1/financing-requests",
        json=request_payload(title="基础大模型C轮融资", title_en="Foundation model round"),
        headers=startup.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["title_en"], body["summary_en"]) == ("Foundation model round", None)
    assert _stored_features(db_session, body["id"]) == stored_text_counts(
        text_to_match("基础大模型C轮融资", body["summary"], "Foundation model round")
    )

    path = f"/v1/financing-requests/{body['id']}"
    changed = api.patch(path, json={"summary_en": "Training compute"}, headers=startup.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["summary_en"] == "Training compute"
    assert _stored_features(db_session, body["id"]) == stored_text_counts(
        text_to_match(
            "基础大模型C轮融资", body["summary"], "Foundation model round", "Training compute"
        )
    )
    cleared = api.patch(path, json={"title_en": None, "summary_en": None}, headers=startup.headers)
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["title_en"], cleared.json()["summary_en"]) == (None, None)
    assert _stored_features(db_session, body["id"]) == stored_text_counts(
        text_to_match("基础大模型C轮融资", body["summary"])
    )


def test_an_empty_or_too_long_english_text_is_a_problem_naming_the_field(
    api: ApiClient,
) -> None:
    startup = api.create_account("startup")
    for field, value in (
        ("title_en", ""),
        ("title_en", "Q" * 301),
        ("summary_en", " "),
        ("summary_en", "Q" * 10001),
    ):
        refused = api.client.post(
            "/v1/financing-requests",
            json=request_payload(**{field: value}),
            headers=startup.headers,
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == [field]

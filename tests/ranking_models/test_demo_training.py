"""The demo lets the commission try training: its illustrative answers are enough for a
candidate, which does not serve until activated (a walk found training refused on the demo,
so nobody could see a candidate's comparison there)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Feedback, Impression
from service.core.settings import get_settings
from service.demo.loader import load_demo
from tests.support.factories import ApiClient


def test_the_demo_trains_a_candidate_the_commission_then_decides_on(
    api: ApiClient, db_session: Session
) -> None:
    load_demo(db_session)
    db_session.flush()
    # Interest was given on requests the investors' pages had shown them; passes were not.
    solicited = db_session.scalars(select(Feedback.shown).where(Feedback.action == "interested"))
    assert set(solicited) == {True}
    passes = db_session.scalars(select(Feedback.reason).where(Feedback.action == "pass")).all()
    assert passes
    assert None not in passes
    passes_shown = db_session.scalars(select(Feedback.shown).where(Feedback.action == "pass"))
    assert set(passes_shown) == {False}
    impressions = db_session.scalar(select(func.count()).select_from(Impression))
    assert impressions is not None
    assert impressions > 0

    trained = api.client.post("/v1/ranking-models/train", headers=api.admin)

    assert trained.status_code == 201, trained.text
    outcome = trained.json()
    assert outcome["model"]["status"] == "candidate"
    assert outcome["activated"] is False
    metrics = outcome["model"]["metrics"]
    assert metrics["held_out_accounts"] >= 1
    assert metrics["pairs_by_outcome"]["interested"] > 0
    assert metrics["pairs_by_outcome"]["passed"] == len(passes)
    compared = api.client.get(
        f"/v1/ranking-models/{outcome['model']['id']}/comparison", headers=api.admin
    )
    assert compared.status_code == 200, compared.text
    assert compared.json()["accounts"]


def test_the_demo_answers_only_its_own_requests(api: ApiClient, db_session: Session) -> None:
    """A review found the demo's answers landing on another account's published request in
    the same database: its founder would read a demo fund among its interested investors."""
    startup = api.create_account("startup", "Real Startup Co")
    real = api.create_request(
        startup, company="Real Startup Co", sectors=["ai.applications"], stage="series_a"
    )
    api.publish(real["id"])

    load_demo(db_session)
    db_session.flush()

    answered = db_session.scalars(
        select(Feedback).where(Feedback.financing_request_id == real["id"])
    ).all()
    assert answered == []
    noted = db_session.scalar(
        select(func.count())
        .select_from(Impression)
        .where(Impression.financing_request_id == real["id"])
    )
    assert noted == 0
    assert db_session.scalars(select(Feedback)).first() is not None  # the demo's own


def test_the_demo_notes_nothing_shown_where_the_deployment_records_nothing(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHMAKER_RECORD_IMPRESSIONS", "false")
    get_settings.cache_clear()
    try:
        load_demo(db_session)
        db_session.flush()
    finally:
        monkeypatch.delenv("MATCHMAKER_RECORD_IMPRESSIONS")
        get_settings.cache_clear()

    assert db_session.scalar(select(func.count()).select_from(Impression)) == 0
    # As the pages would record them then: no answer was given to something noted as shown.
    assert set(db_session.scalars(select(Feedback.shown))) == {False}

"""Signing in and out: a server-side session behind an opaque cookie, a new one at every
sign-in, idle and absolute expiry, and a session acting with its user's account role."""

from __future__ import annotations

import hashlib
import statistics
import time
from http.cookies import SimpleCookie

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditRecord, UserSession
from service.http.auth import SESSION_COOKIE, generate_session_token
from service.users import passwords
from tests.support.factories import ApiClient, investor_payload
from tests.support.people import Clock, accept, invite, new_person, session_cookie, sign_in


def cookie_header(token: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


def without_ids(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k not in {"request_id", "instance"}}


def test_sign_in_sets_an_opaque_http_only_cookie_and_stores_only_its_hash(
    api: ApiClient, db_session: Session
) -> None:
    account = api.create_account("investor", "Hillhouse Capital")
    person = new_person(api, account, signed_in=False)

    response = sign_in(api, person.username)

    assert response.status_code == 201, response.text
    [header] = response.headers.get_list("set-cookie")
    cookie = SimpleCookie()
    cookie.load(header)
    morsel = cookie[SESSION_COOKIE]
    assert morsel.value.startswith("ms_")
    assert len(morsel.value) > 40
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["secure"] is True  # MATCHMAKER_ENVIRONMENT=test: not development
    assert morsel["path"] == "/"
    assert int(morsel["max-age"]) == 12 * 3600
    body = response.json()
    assert body["user"]["username"] == person.username
    assert body["account_id"] == account.id
    assert body["account_name"] == "Hillhouse Capital"
    assert (body["role"], body["via"]) == ("investor", "session")
    stored = db_session.scalars(select(UserSession)).one()
    assert stored.token_hash == hashlib.sha256(morsel.value.encode()).hexdigest()
    assert morsel.value not in response.text


def test_the_cookie_says_who_is_signed_in_and_acts_with_the_users_role(
    api: ApiClient,
) -> None:
    investor = api.create_account("investor", "Hillhouse Capital")
    person = new_person(api, investor)
    profile = api.create_investor(investor)

    current = api.client.get("/v1/sessions/current", headers=person.headers)
    own = api.client.get(f"/v1/investors/{profile['id']}", headers=person.headers)
    created = api.client.post(
        "/v1/investors", json=investor_payload(name="Second fund"), headers=person.headers
    )
    wrong_role = api.client.post(
        "/v1/financing-requests", json={"company": "x"}, headers=person.headers
    )
    no_credentials = api.client.get("/v1/investors")

    assert current.status_code == 200
    assert current.json()["user"]["id"] == person.id
    assert current.json()["role"] == "investor"
    assert own.status_code == 200
    assert created.status_code == 201, created.text
    listed = api.client.get("/v1/investors", headers=investor.headers).json()["items"]
    assert created.json()["id"] in {item["id"] for item in listed}  # the account's own
    assert wrong_role.status_code == 403
    assert no_credentials.status_code == 401


def test_another_accounts_object_is_a_404_for_a_session(api: ApiClient) -> None:
    mine, theirs = api.create_account("investor"), api.create_account("investor")
    person = new_person(api, mine)
    profile = api.create_investor(theirs)

    response = api.client.get(f"/v1/investors/{profile['id']}", headers=person.headers)

    assert response.status_code == 404


def test_wrong_passwords_and_unknown_usernames_get_the_same_answer(api: ApiClient) -> None:
    person = new_person(api, api.create_account("startup"), signed_in=False)

    wrong_password = sign_in(api, person.username, "not the password at all")
    unknown_user = sign_in(api, "nobody.here", "not the password at all")

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert without_ids(wrong_password.json()) == without_ids(unknown_user.json())
    assert wrong_password.headers["www-authenticate"] == "Bearer"
    assert session_cookie(wrong_password) is None


def test_every_sign_in_gets_a_new_session_and_the_planted_one_ends(
    api: ApiClient, db_session: Session
) -> None:
    """Session fixation: a cookie the browser had before sign-in never becomes signed in."""
    person = new_person(api, api.create_account("startup"))
    planted = person.cookie
    assert planted is not None

    again = sign_in(api, person.username, **cookie_header(planted))
    fresh = session_cookie(again)
    made_up = generate_session_token()
    with_made_up = sign_in(api, person.username, **cookie_header(made_up))

    assert again.status_code == 201
    assert fresh is not None
    assert fresh != planted
    assert session_cookie(with_made_up) not in {None, made_up, fresh}
    assert api.client.get("/v1/sessions/current", headers=cookie_header(planted)).status_code == 401
    assert api.client.get("/v1/sessions/current", headers=cookie_header(fresh)).status_code == 200
    assert api.client.get("/v1/sessions/current", headers=cookie_header(made_up)).status_code == 401
    assert len(db_session.scalars(select(UserSession)).all()) == 3


def test_sign_out_ends_the_session_everywhere(api: ApiClient) -> None:
    person = new_person(api, api.create_account("startup"))

    response = api.client.delete("/v1/sessions/current", headers=person.headers)
    after = api.client.get("/v1/sessions/current", headers=person.headers)
    again = api.client.delete("/v1/sessions/current", headers=person.headers)

    assert response.status_code == 204
    cleared = SimpleCookie()
    cleared.load(response.headers["set-cookie"])
    assert cleared[SESSION_COOKIE]["max-age"] == "0"
    assert after.status_code == 401
    assert again.status_code == 401


def test_signing_out_needs_a_session(api: ApiClient) -> None:
    account = api.create_account("startup")

    response = api.client.delete("/v1/sessions/current", headers=account.headers)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_key_wins_over_a_cookie(api: ApiClient) -> None:
    investor, startup = api.create_account("investor"), api.create_account("startup")
    person = new_person(api, investor)

    response = api.client.get("/v1/sessions/current", headers={**person.headers, **startup.headers})

    assert response.json()["role"] == "startup"
    assert response.json()["via"] == "api_key"
    assert response.json()["user"] is None


def test_an_idle_session_ends_after_30_minutes(app: FastAPI, api: ApiClient) -> None:
    clock = Clock().install(app)
    person = new_person(api, api.create_account("startup"))

    statuses = []
    for minutes in (29, 29, 29):  # each request within the idle timeout of the one before
        clock.advance(minutes=minutes)
        statuses.append(api.client.get("/v1/sessions/current", headers=person.headers).status_code)
    clock.advance(minutes=30)
    statuses.append(api.client.get("/v1/sessions/current", headers=person.headers).status_code)

    assert statuses == [200, 200, 200, 401]


def test_a_busy_session_still_ends_12_hours_after_sign_in(app: FastAPI, api: ApiClient) -> None:
    clock = Clock().install(app)
    person = new_person(api, api.create_account("startup"))

    statuses = []
    for _ in range(12 * 3):  # every 20 minutes for 12 hours
        clock.advance(minutes=20)
        statuses.append(api.client.get("/v1/sessions/current", headers=person.headers).status_code)

    assert statuses == [200] * (12 * 3 - 1) + [401]


def test_session_actions_are_audited_with_the_user_and_the_client_request_id(
    api: ApiClient, db_session: Session
) -> None:
    account = api.create_account("startup", "Stepfun")
    person = new_person(api, account, signed_in=False)
    signed_in = sign_in(api, person.username, **{"X-Request-ID": "web-signin-7"})
    cookie = session_cookie(signed_in)
    assert cookie is not None
    created = api.client.post(
        "/v1/financing-requests",
        json={
            "company": "Stepfun",
            "title": "Inference cluster",
            "sectors": ["ai.infrastructure"],
            "amount": "800000000",
            "currency": "CNY",
            "stage": "growth",
        },
        headers={**cookie_header(cookie), "X-Request-ID": "web-file-8"},
    )
    assert created.status_code == 201, created.text

    records = {
        record.action: record
        for record in db_session.scalars(
            select(AuditRecord).where(AuditRecord.actor_user_id == person.id)
        )
    }
    assert set(records) >= {"user.create", "session.create", "financing_request.create"}
    filed = records["financing_request.create"]
    assert filed.actor_account_id == account.id
    assert filed.actor_name == person.username  # the name given on accepting, else username
    assert filed.client_request_id == "web-file-8"
    assert filed.request_id == created.headers["x-request-id"]
    assert records["session.create"].client_request_id == "web-signin-7"

    trail = api.client.get(
        "/v1/audit", params={"actor_user_id": person.id}, headers=api.admin
    ).json()["items"]
    assert {item["action"] for item in trail} >= {"financing_request.create", "session.create"}
    shown = next(item for item in trail if item["action"] == "financing_request.create")
    assert shown["actor_name"] == person.username
    assert shown["client_request_id"] == "web-file-8"


def test_unknown_usernames_take_as_long_to_refuse_as_wrong_passwords(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both run one Argon2 verification at the service's real cost (not the suite's)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    # Accepted under the real hasher: the stored hash has the production cost.
    accepted = accept(api, invite(api, api.create_account("startup")), username="timed.person")
    assert accepted.status_code == 201, accepted.text
    passwords.warm_up()

    def median_seconds(username: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert sign_in(api, username, "not the password at all").status_code == 401
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median_seconds("timed.person"), median_seconds("nobody.at.all")
    assert 0.5 < unknown / known < 2, (known, unknown)

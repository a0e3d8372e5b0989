"""``matchmaker users`` and ``matchmaker keys``: a fresh deployment's first commission user,
and keys made, listed and revoked from the command line; the demo's people."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.cli.main import app as cli
from service.demo.loader import DEMO_PASSWORD, load_demo
from tests.support.factories import ApiClient, bearer
from tests.support.people import PASSWORD, session_cookie
from tests.support.secret_watch import remember_secret

runner = CliRunner()


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_a_fresh_deployment_makes_its_first_commission_user(
    scratch_settings: str, scratch_client: TestClient
) -> None:
    created = runner.invoke(
        cli, ["accounts", "create", "--role", "commission", "--name", "Commission"]
    )
    assert created.exit_code == 0, created.output
    me = scratch_client.get("/v1/me", headers=bearer(last_line(created.stdout)))
    account_id = me.json()["account_id"]

    invited = runner.invoke(cli, ["users", "invite", "--account", account_id, "--admin"])
    assert invited.exit_code == 0, invited.output
    code = last_line(invited.stdout)
    remember_secret(code)
    assert code.startswith("mi_")
    remember_secret(PASSWORD)
    accepted = scratch_client.post(
        "/v1/invitations/accept",
        json={"code": code, "username": "first.admin", "password": PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text
    signed_in = scratch_client.post(
        "/v1/sessions", json={"username": "first.admin", "password": PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    assert session_cookie(signed_in) is not None
    assert signed_in.json()["role"] == "commission"
    assert signed_in.json()["user"]["admin"] is True

    listed = runner.invoke(cli, ["users", "list"])
    assert "first.admin" in listed.stdout


def test_users_invite_refuses_an_unknown_account(scratch_settings: str) -> None:
    result = runner.invoke(cli, ["users", "invite", "--account", "no-such-account"])
    assert result.exit_code == 1
    assert "No account" in result.output


def test_keys_create_list_and_revoke(scratch_settings: str, scratch_client: TestClient) -> None:
    created = runner.invoke(cli, ["accounts", "create", "--role", "startup", "--name", "QBoson"])
    account_id = scratch_client.get("/v1/me", headers=bearer(last_line(created.stdout))).json()[
        "account_id"
    ]

    made = runner.invoke(cli, ["keys", "create", "--account", account_id, "--name", "nightly"])
    assert made.exit_code == 0, made.output
    api_key = last_line(made.stdout)
    assert scratch_client.get("/v1/me", headers=bearer(api_key)).status_code == 200

    listed = runner.invoke(cli, ["keys", "list", "--account", account_id])
    assert listed.exit_code == 0, listed.output
    rows = [line.split("\t") for line in listed.stdout.strip().splitlines()[1:]]
    assert sorted(row[2] for row in rows) == ["account key", "nightly"]
    assert api_key not in listed.stdout
    [nightly] = [row for row in rows if row[2] == "nightly"]
    assert nightly[1] == api_key[:10]

    revoked = runner.invoke(cli, ["keys", "revoke", nightly[0]])
    assert revoked.exit_code == 0, revoked.output
    assert scratch_client.get("/v1/me", headers=bearer(api_key)).status_code == 401
    assert runner.invoke(cli, ["keys", "revoke", "no-such-key"]).exit_code == 1
    assert runner.invoke(cli, ["keys", "create", "--name", "x"]).exit_code == 1


def test_keys_create_for_a_user(scratch_settings: str, scratch_client: TestClient) -> None:
    created = runner.invoke(cli, ["accounts", "create", "--role", "investor", "--name", "Fund"])
    account_id = scratch_client.get("/v1/me", headers=bearer(last_line(created.stdout))).json()[
        "account_id"
    ]
    code = last_line(runner.invoke(cli, ["users", "invite", "--account", account_id]).stdout)
    remember_secret(code)
    remember_secret(PASSWORD)
    scratch_client.post(
        "/v1/invitations/accept",
        json={"code": code, "username": "analyst", "password": PASSWORD},
    )

    made = runner.invoke(cli, ["keys", "create", "--user", "Analyst", "--name", "notebook"])

    assert made.exit_code == 0, made.output
    me = scratch_client.get("/v1/sessions/current", headers=bearer(last_line(made.stdout)))
    assert me.json()["user"]["username"] == "analyst"


def test_the_demo_gives_every_demo_account_a_user(api: ApiClient, db_session: Session) -> None:
    keys = load_demo(db_session, with_people=True)
    again = load_demo(db_session, with_people=True)
    db_session.commit()  # a savepoint inside the test's transaction

    assert keys.password == DEMO_PASSWORD
    assert (keys.commission_username, keys.investor_username, keys.startup_username) == (
        "commission",
        "hillhouse.capital",
        "stepfun",
    )
    assert again.investor_username == keys.investor_username
    remember_secret(DEMO_PASSWORD)
    signed_in = api.client.post(
        "/v1/sessions", json={"username": "stepfun", "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    assert signed_in.json()["role"] == "startup"
    listed = api.client.get("/v1/users?limit=100", headers=api.admin).json()["items"]
    assert len(listed) == 20  # the commission, 8 investors, 11 startups
    assert load_demo(db_session, with_people=False).password is None

"""``matchmaker demo`` run again and again: the same keys while the keys file holds them, no
row twice, no crash when the demo accounts made more objects; ``--reset`` loads it afresh and
leaves everyone else's data alone."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute
from typer.testing import CliRunner

from models import Account, Event, FinancingRequest, InvestorProfile
from service.cli.main import app as cli
from service.core.database import create_db_engine, create_session_factory
from service.demo.loader import FORMER_EVENT_NAMES, demo_account_names, read_demo_data
from tests.support.database import row_counts
from tests.support.environment import ADMIN_KEY
from tests.support.factories import ApiClient, bearer, investor_payload, request_payload

runner = CliRunner()
KEY_NAMES = ("COMMISSION_KEY", "INVESTOR_KEY", "STARTUP_KEY")


def _run_demo(keys_file: Path, *options: str) -> dict[str, str]:
    """Run the command; the keys file's values (it is rewritten on every run)."""
    result = runner.invoke(cli, ["demo", "--keys-file", str(keys_file), *options])
    assert result.exit_code == 0, result.output
    lines = keys_file.read_text(encoding="utf-8").splitlines()
    return dict(line.removeprefix("export ").split("=", 1) for line in lines)


def _rows(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            return row_counts(session)
    finally:
        engine.dispose()


def _values(url: str, column: InstrumentedAttribute[str]) -> list[str]:
    """Every row's value of a text column, sorted."""
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            return sorted(session.scalars(select(column)).all())
    finally:
        engine.dispose()


def _status(client: TestClient, api_key: str) -> int:
    status: int = client.get("/v1/me", headers=bearer(api_key)).status_code
    return status


def test_a_second_run_keeps_the_keys_and_adds_no_row(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.env"
    first = _run_demo(keys_file)
    rows = _rows(scratch_settings)

    second = _run_demo(keys_file)

    assert second == first
    # Not even an audit record or a revoked key: the run changed nothing at all.
    assert _rows(scratch_settings) == rows
    assert rows["investor_profiles"] == 8
    assert rows["financing_requests"] == 11
    assert rows["accounts"] == 20
    assert [_status(scratch_client, first[name]) for name in KEY_NAMES] == [200, 200, 200]
    assert keys_file.stat().st_mode & 0o777 == 0o600


def test_the_demo_runs_again_after_the_investor_added_a_profile(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    """Before: the second run crashed with MultipleResultsFound (one profile was expected)."""
    keys_file = tmp_path / "keys.env"
    first = _run_demo(keys_file)
    added = scratch_client.post(
        "/v1/investors",
        headers=bearer(first["INVESTOR_KEY"]),
        json=investor_payload(name="Hillhouse Capital Fund II"),
    )
    assert added.status_code == 201, added.text

    second = _run_demo(keys_file)

    assert second == first  # the demo mandate, not the new one, is still the one printed
    assert second["INVESTOR_PROFILE_ID"] != added.json()["id"]
    assert _rows(scratch_settings)["investor_profiles"] == 9


def test_keys_missing_from_the_keys_file_are_replaced_and_the_old_ones_revoked(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.env"
    first = _run_demo(keys_file)
    kept = "".join(
        line + "\n"
        for line in keys_file.read_text(encoding="utf-8").splitlines()
        if not line.startswith("export INVESTOR_KEY=")
    )
    keys_file.write_text(kept, encoding="utf-8")  # the file keeps mode 600

    second = _run_demo(keys_file)

    assert second["COMMISSION_KEY"] == first["COMMISSION_KEY"]
    assert second["STARTUP_KEY"] == first["STARTUP_KEY"]
    assert second["INVESTOR_KEY"] != first["INVESTOR_KEY"]
    assert _status(scratch_client, first["INVESTOR_KEY"]) == 401
    assert _status(scratch_client, second["INVESTOR_KEY"]) == 200


def test_keys_of_a_file_others_could_read_are_all_replaced(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.env"
    first = _run_demo(keys_file)
    keys_file.chmod(0o644)

    result = runner.invoke(cli, ["demo", "--keys-file", str(keys_file)])

    assert result.exit_code == 0, result.output
    assert "readable by others" in result.output
    second = dict(
        line.removeprefix("export ").split("=", 1)
        for line in keys_file.read_text(encoding="utf-8").splitlines()
    )
    assert all(second[name] != first[name] for name in KEY_NAMES)
    assert [_status(scratch_client, first[name]) for name in KEY_NAMES] == [401, 401, 401]
    assert keys_file.stat().st_mode & 0o777 == 0o600


def test_a_key_of_another_account_is_not_taken_for_a_demo_key(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    """The keys file is only a hint: a remembered key must be the demo account's own."""
    keys_file = tmp_path / "keys.env"
    first = _run_demo(keys_file)
    swapped = keys_file.read_text(encoding="utf-8").replace(
        first["INVESTOR_KEY"], first["STARTUP_KEY"]
    )
    keys_file.write_text(swapped, encoding="utf-8")

    second = _run_demo(keys_file)

    me = scratch_client.get("/v1/me", headers=bearer(second["INVESTOR_KEY"])).json()
    assert me["role"] == "investor"
    assert second["STARTUP_KEY"] == first["STARTUP_KEY"]


def test_reset_reloads_the_demo_with_new_keys_and_keeps_other_data(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.env"
    first = _run_demo(keys_file)
    fresh_rows = _rows(scratch_settings)
    api = ApiClient(client=scratch_client, admin_key=ADMIN_KEY)
    conference = "上海城市推介大会 (CIIE)"
    events = scratch_client.get("/v1/events", headers=bearer(first["COMMISSION_KEY"])).json()
    event_ids = {e["name"]: e["id"] for e in events["items"]}
    # Someone else's data: an investor with a mandate, a startup presenting at a demo event.
    investor = api.create_account("investor", "Sequoia China")
    api.create_investor(investor)
    startup = api.create_account("startup", "QBoson")
    api.create_request(startup, company="QBoson", event_id=event_ids[conference])
    # The demo's own accounts did more: another mandate, a new request, feedback.
    demo_investor = bearer(first["INVESTOR_KEY"])
    scratch_client.post(
        "/v1/investors", headers=demo_investor, json=investor_payload(name="Fund II")
    ).raise_for_status()
    scratch_client.post(
        "/v1/financing-requests",
        headers=bearer(first["STARTUP_KEY"]),
        json=request_payload(title="Inference cluster"),
    ).raise_for_status()
    published = scratch_client.get(
        "/v1/financing-requests?limit=100", headers=demo_investor
    ).json()["items"]
    request_id = next(r["id"] for r in published if r["company"] == "Stepfun")
    scratch_client.put(
        f"/v1/investors/{first['INVESTOR_PROFILE_ID']}/feedback/{request_id}",
        headers=demo_investor,
        json={"action": "interested"},
    ).raise_for_status()

    second = _run_demo(keys_file, "--reset")

    assert all(second[name] != first[name] for name in KEY_NAMES)
    assert [_status(scratch_client, first[name]) for name in KEY_NAMES] == [401, 401, 401]
    assert [_status(scratch_client, second[name]) for name in KEY_NAMES] == [200, 200, 200]
    assert [_status(scratch_client, key) for key in (investor.api_key, startup.api_key)] == [
        200,
        200,
    ]
    rows = _rows(scratch_settings)
    # The demo as freshly loaded (nothing of it twice), plus the other two accounts' data.
    assert rows["accounts"] == fresh_rows["accounts"] + 2
    assert rows["investor_profiles"] == fresh_rows["investor_profiles"] + 1
    assert rows["financing_requests"] == fresh_rows["financing_requests"] + 1
    # The demo's own illustrative answers, loaded again; the featured investor's is gone.
    assert rows["feedback"] == fresh_rows["feedback"] > 0
    assert rows["events"] == 2
    demo_names = demo_account_names(read_demo_data())
    assert _values(scratch_settings, Account.name) == sorted(
        [*demo_names, "QBoson", "Sequoia China"]
    )
    profile_names = _values(scratch_settings, InvestorProfile.name)
    assert profile_names.count("Hillhouse Capital") == 2  # the demo's and Sequoia China's
    assert "Fund II" not in profile_names
    assert "Inference cluster" not in _values(scratch_settings, FinancingRequest.title)
    # QBoson's request still names the conference: that event stayed and the demo reused it.
    events = scratch_client.get("/v1/events", headers=bearer(second["COMMISSION_KEY"])).json()
    after = {e["name"]: e["id"] for e in events["items"]}
    assert after[conference] == event_ids[conference]
    other = "2021上海全球投资促进大会"
    assert after[other] != event_ids[other]  # nothing else named it: removed, made again
    assert sorted(after) == _values(scratch_settings, Event.name)
    # The printed profile is the reloaded demo mandate, and the demo's requests are back.
    investor_key = bearer(second["INVESTOR_KEY"])
    profile = scratch_client.get(
        f"/v1/investors/{second['INVESTOR_PROFILE_ID']}", headers=investor_key
    )
    assert profile.json()["name"] == "Hillhouse Capital"
    listed = scratch_client.get("/v1/financing-requests?limit=100", headers=investor_key).json()
    assert len(listed["items"]) == 11


def test_reset_says_what_it_removes_and_what_it_keeps() -> None:
    result = runner.invoke(cli, ["demo", "--help"])

    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "--reset" in text
    assert "Other accounts and their data stay" in text


def test_reset_removes_the_demo_events_under_their_former_names(
    scratch_settings: str, scratch_client: TestClient, tmp_path: Path
) -> None:
    """The demo's events were named in English before; a reset leaves no stale copy beside
    the Chinese-named ones."""
    keys_file = tmp_path / "keys.env"
    first = _run_demo(keys_file)
    commission = bearer(first["COMMISSION_KEY"])
    for former in FORMER_EVENT_NAMES:
        scratch_client.post(
            "/v1/events", headers=commission, json={"name": former, "date": "2037-11-05"}
        ).raise_for_status()

    _run_demo(keys_file, "--reset")

    names = _values(scratch_settings, Event.name)
    assert names == sorted(event["name"] for event in read_demo_data()["events"].values())
    assert not set(FORMER_EVENT_NAMES) & set(names)

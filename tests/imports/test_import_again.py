"""Importing a file again: rows found by natural key are not duplicated; --update changes them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models import InvestorProfile, RequestStatus
from service.financing_requests import service as financing_requests
from service.http.problems import Conflict
from tests.imports.support import (
    CIXTECH,
    INVESTOR_HEADERS,
    QBOSON,
    REQUEST_HEADERS,
    STEPFUN,
    Cells,
    audit_records,
    count_rows,
    run_import,
    sectors_of,
    stored_profiles,
    stored_requests,
    table_counts,
    write_csv,
    write_xlsx,
)
from tests.support.environment import ADMIN_KEY
from tests.support.factories import ApiClient

HILLHOUSE = ["高瓴 Hillhouse", "pe", "domestic", "ai", "growth", "15亿", "50亿", ""]
SEQUOIA = ["Sequoia AI", "vc", "foreign", "ai", "series_a", "5000万", "3亿", ""]


def _requests(path: Path, rows: Sequence[Cells]) -> Path:
    return write_csv(path, REQUEST_HEADERS, rows, "utf-8")


def test_importing_the_same_requests_twice_adds_nothing(scratch_url: str, tmp_path: Path) -> None:
    path = _requests(tmp_path / "roster.csv", [STEPFUN, CIXTECH, QBOSON])
    assert run_import("requests", path).exit_code == 0
    after_first = table_counts(scratch_url)
    again = run_import("requests", path)
    assert again.exit_code == 0, again.output
    assert table_counts(scratch_url) == after_first  # no row, no code row, no audit record
    assert again.stdout.splitlines()[-1] == (
        "3 rows read from roster.csv (utf-8); imported 0 financing requests (status "
        "submitted); 3 rows already stored, left as they were."
    )


def test_importing_the_same_workbook_of_investors_twice_adds_nothing(
    scratch_url: str, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "mandates.xlsx", INVESTOR_HEADERS, [HILLHOUSE, SEQUOIA])
    assert run_import("investors", path).exit_code == 0
    again = run_import("investors", path)
    assert again.exit_code == 0, again.output
    assert count_rows(scratch_url, InvestorProfile) == 2
    assert "2 rows already stored, left as they were." in again.stdout


def test_a_changed_request_is_reported_then_updated_with_update(
    scratch_url: str, tmp_path: Path
) -> None:
    assert run_import("requests", _requests(tmp_path / "v1.csv", [STEPFUN, CIXTECH])).exit_code == 0
    stepfun = stored_requests(scratch_url)["阶跃星辰"]
    # Version 2 of the roster: a larger amount and other sectors for Stepfun.
    changed = ["阶跃星辰", *STEPFUN[1:3], "ai.foundation_models；ai.infrastructure", "35亿"]
    changed += STEPFUN[5:]
    path = _requests(tmp_path / "v2.csv", [changed, CIXTECH])
    before = table_counts(scratch_url)

    kept = run_import("requests", path)
    assert kept.exit_code == 0, kept.output
    assert table_counts(scratch_url) == before
    assert stored_requests(scratch_url)["阶跃星辰"].amount == Decimal("3000000000.00")
    assert (
        f"row 2: already stored as financing request {stepfun.id}; left as it is, though the "
        "file differs in sectors, amount (--update changes it)" in kept.stdout
    )
    assert "2 rows already stored, left as they were (1 differing from the file" in kept.stdout

    updated = run_import("requests", path, "--update")
    assert updated.exit_code == 0, updated.output
    after = stored_requests(scratch_url)
    assert sorted(after) == ["此芯科技 Cixtech", "阶跃星辰"]  # no new request
    assert after["阶跃星辰"].id == stepfun.id
    assert after["阶跃星辰"].amount == Decimal("3500000000.00")
    assert after["阶跃星辰"].revision == stepfun.revision + 1
    assert after["阶跃星辰"].status is RequestStatus.SUBMITTED
    assert sectors_of(scratch_url, stepfun.id) == ["ai.foundation_models", "ai.infrastructure"]
    assert after["此芯科技 Cixtech"].revision == 1  # the same in the file: not touched
    assert f"row 2: updated financing request {stepfun.id}: sectors, amount" in updated.stdout
    assert "imported 0 financing requests (status submitted); updated 1; 1 row already" in (
        updated.stdout
    )

    trail = audit_records(scratch_url, stepfun.id)
    assert [record.action for record in trail] == [
        "financing_request.import",
        "financing_request.update",
    ]
    update = trail[-1].changes
    assert update["amount"] == {"from": "3000000000.00", "to": "3500000000"}
    assert update["import"]["file"] == "v2.csv"
    assert update["import"]["row"] == 2
    assert trail[-1].actor_role == "commission"

    again = run_import("requests", path, "--update")
    assert "updated 0; 2 rows already stored" in again.stdout  # now the same as the file
    assert len(audit_records(scratch_url, stepfun.id)) == 2


def test_a_changed_investor_profile_is_updated_with_update(
    scratch_url: str, server: TestClient, tmp_path: Path
) -> None:
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    hillhouse = api.create_account("investor", "Hillhouse Capital")
    owned = [*HILLHOUSE[:-1], "Hillhouse Capital"]
    assert (
        run_import(
            "investors", write_csv(tmp_path / "a.csv", INVESTOR_HEADERS, [owned, SEQUOIA], "utf-8")
        ).exit_code
        == 0
    )
    first = stored_profiles(scratch_url)["高瓴 Hillhouse"]

    raised = [*owned[:6], "60亿", hillhouse.id]  # the owner by id is the same owner
    path = write_csv(tmp_path / "b.csv", INVESTOR_HEADERS, [raised, SEQUOIA], "utf-8")
    assert run_import("investors", path).exit_code == 0
    assert stored_profiles(scratch_url)["高瓴 Hillhouse"].ticket_max == Decimal("5000000000.00")

    updated = run_import("investors", path, "--update")
    assert updated.exit_code == 0, updated.output
    profiles = stored_profiles(scratch_url)
    assert len(profiles) == 2
    assert profiles["高瓴 Hillhouse"].id == first.id
    assert profiles["高瓴 Hillhouse"].ticket_max == Decimal("6000000000.00")
    assert profiles["高瓴 Hillhouse"].revision == first.revision + 1
    listed = server.get(f"/v1/investors/{first.id}", headers=hillhouse.headers).json()
    assert listed["ticket_max"] == "6000000000.00"
    trail = audit_records(scratch_url, first.id)
    assert trail[-1].action == "investor_profile.update"
    assert trail[-1].changes["ticket_max"] == {"from": "5000000000.00", "to": "6000000000"}
    assert trail[-1].changes["import"]["file"] == "b.csv"


def test_the_same_name_under_another_owner_is_another_profile(
    scratch_url: str, server: TestClient, tmp_path: Path
) -> None:
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    api.create_account("investor", "Fund House A")
    api.create_account("investor", "Fund House B")
    rows = [
        ["Growth Fund I", "pe", "domestic", "ai", "growth", "1亿", "5亿", "Fund House A"],
        ["Growth Fund I", "pe", "domestic", "ai", "growth", "1亿", "5亿", "Fund House B"],
        ["Growth Fund I", "pe", "domestic", "ai", "growth", "1亿", "5亿", ""],
    ]
    path = write_csv(tmp_path / "funds.csv", INVESTOR_HEADERS, rows, "utf-8")
    assert run_import("investors", path).exit_code == 0
    assert run_import("investors", path).exit_code == 0
    assert count_rows(scratch_url, InvestorProfile) == 3


def test_two_rows_of_one_file_with_one_key_are_both_refused(
    scratch_url: str, tmp_path: Path
) -> None:
    # Same company (in another case and with full-width letters) at the same stage.
    twin = ["ＱＢｏｓｏｎ 玻色量子", "Another title", "", "quantum", "1亿", "Series A", "", ""]
    path = _requests(tmp_path / "twins.csv", [QBOSON, STEPFUN, twin])
    result = run_import("requests", path, "--skip-invalid")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "row 2: same company and stage as row 4: a file may describe each financing request "
        "once (keep one of these rows)"
    )
    assert lines[1].startswith("row 4: same company and stage as row 2:")
    assert sorted(stored_requests(scratch_url)) == ["阶跃星辰"]


def test_update_leaves_requests_that_can_no_longer_be_edited(
    scratch_url: str, tmp_path: Path
) -> None:
    published = _requests(tmp_path / "published.csv", [STEPFUN, QBOSON])
    assert run_import("requests", published, "--status", "published").exit_code == 0
    stepfun = stored_requests(scratch_url)["阶跃星辰"]
    retitled = [STEPFUN[0], "Another title", *STEPFUN[2:]]
    path = _requests(tmp_path / "retitled.csv", [retitled, QBOSON])
    before = table_counts(scratch_url)

    refused = run_import("requests", path, "--update")
    assert refused.exit_code == 1
    assert refused.stdout.splitlines()[0] == (
        f"row 2: financing request {stepfun.id} would change in title, but it is published, "
        "and only draft, rejected, submitted requests can be edited (withdraw it and file a "
        "new one)"
    )
    assert table_counts(scratch_url) == before
    # Unchanged published rows are fine: importing the published file again changes nothing.
    assert run_import("requests", published, "--update").exit_code == 0
    assert stored_requests(scratch_url)["阶跃星辰"].title == STEPFUN[1]


def test_update_never_moves_a_request_to_another_account(
    scratch_url: str, server: TestClient, tmp_path: Path
) -> None:
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    stepfun = api.create_account("startup", "Stepfun")
    api.create_account("startup", "Someone Else")
    headers = [*REQUEST_HEADERS, "owner"]
    first = write_csv(tmp_path / "a.csv", headers, [[*STEPFUN, "Stepfun"]], "utf-8")
    assert run_import("requests", first).exit_code == 0
    stored = stored_requests(scratch_url)["阶跃星辰"]
    assert stored.owner_account_id == stepfun.id

    # An empty owner cell names no other owner: the row is the stored request.
    unowned = write_csv(tmp_path / "b.csv", headers, [[*STEPFUN, ""]], "utf-8")
    assert "1 row already stored" in run_import("requests", unowned, "--update").stdout

    moved = write_csv(tmp_path / "c.csv", headers, [[*STEPFUN, "Someone Else"]], "utf-8")
    refused = run_import("requests", moved, "--update")
    assert refused.exit_code == 1
    assert (
        f"row 2, column owner: financing request {stored.id} belongs to account {stepfun.id}: "
        "an import never moves a financing request to another account" in refused.stdout
    )
    assert stored_requests(scratch_url)["阶跃星辰"].owner_account_id == stepfun.id


def test_update_refuses_a_key_that_several_stored_objects_share(
    scratch_url: str, server: TestClient, tmp_path: Path
) -> None:
    """Two profiles with one owner and name (made over the API, which allows it): the import
    cannot tell which one a row means, so it changes neither."""
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    owner = api.create_account("investor", "Hillhouse Capital")
    twice = [api.create_investor(owner, name="Twin mandate")["id"] for _ in range(2)]
    row = ["Twin mandate", "pe", "domestic", "ai", "growth", "1亿", "9亿", "Hillhouse Capital"]
    path = write_csv(tmp_path / "twin.csv", INVESTOR_HEADERS, [row], "utf-8")

    kept = run_import("investors", path)
    assert kept.exit_code == 0
    assert "1 row already stored" in kept.stdout
    refused = run_import("investors", path, "--update")
    assert refused.exit_code == 1
    assert "row 2: 2 stored investor profiles have this owner and name (" in refused.stdout
    assert all(i in refused.stdout for i in twice)
    assert count_rows(scratch_url, InvestorProfile) == 2


def test_a_refused_update_writes_nothing_of_the_file(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inserts and updates are one transaction: when the service refuses an update at write
    time (the request changed since the file was checked), the new rows are not kept."""
    assert run_import("requests", _requests(tmp_path / "v1.csv", [STEPFUN])).exit_code == 0
    retitled = [STEPFUN[0], "Another title", *STEPFUN[2:]]
    path = _requests(tmp_path / "v2.csv", [retitled, QBOSON])
    before = table_counts(scratch_url)

    def published_meanwhile(**_arguments: object) -> None:
        raise Conflict("A published request cannot be edited; withdraw it and file a new one.")

    monkeypatch.setattr(financing_requests, "update", published_meanwhile)
    result = run_import("requests", path, "--update")
    assert result.exit_code == 1
    assert "row 2: A published request cannot be edited" in result.stderr
    assert "nothing was written: import the file again" in result.stderr
    assert table_counts(scratch_url) == before

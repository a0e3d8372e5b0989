"""``matchmaker events``: the commission's conferences from the command line, and
``matchmaker --help`` listing the commands in panels by who runs them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli.main import app as cli
from tests.support.environment import ADMIN_KEY
from tests.support.factories import bearer

runner = CliRunner()
CONFERENCE = "2026 Shanghai Investment Conference"


def _rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.strip().splitlines()]


def test_an_event_created_is_listed_shown_and_served(
    scratch_settings: str, scratch_client: TestClient
) -> None:
    created = runner.invoke(
        cli, ["events", "create", "--name", CONFERENCE, "--date", "2026-11-05", "--place", "上海"]
    )
    campaign = runner.invoke(
        cli, ["events", "create", "--name", "Pudong AI campaign", "--date", "2027-03-01"]
    )

    assert created.exit_code == 0, created.output
    assert campaign.exit_code == 0, campaign.output
    event_id = created.stdout.strip()
    listed = runner.invoke(cli, ["events", "list"])
    assert listed.exit_code == 0, listed.output
    assert _rows(listed.stdout) == [
        ["id", "date", "name", "place"],
        [campaign.stdout.strip(), "2027-03-01", "Pudong AI campaign", "-"],
        [event_id, "2026-11-05", CONFERENCE, "上海"],
    ]
    for reference in (event_id, CONFERENCE):
        shown = runner.invoke(cli, ["events", "show", reference])
        assert shown.exit_code == 0, shown.output
        fields = dict(line.split(None, 1) for line in shown.stdout.strip().splitlines())
        assert (fields["id"], fields["name"], fields["date"], fields["place"]) == (
            event_id,
            CONFERENCE,
            "2026-11-05",
            "上海",
        )
    served = scratch_client.get(f"/v1/events/{event_id}", headers=bearer(ADMIN_KEY))
    assert served.json()["name"] == CONFERENCE
    audit = scratch_client.get(
        f"/v1/audit?object_type=event&object_id={event_id}", headers=bearer(ADMIN_KEY)
    ).json()["items"]
    assert [(a["action"], a["actor_name"]) for a in audit] == [("event.create", "command line")]


def test_a_bad_date_is_a_clear_usage_error_and_creates_nothing(scratch_settings: str) -> None:
    result = runner.invoke(cli, ["events", "create", "--name", CONFERENCE, "--date", "2026-13-05"])

    assert result.exit_code == 2
    message = " ".join(result.output.replace("│", " ").split())
    assert "Invalid value for '--date': '2026-13-05' is not a day; write it as YYYY-MM-DD" in (
        message
    )
    assert _rows(runner.invoke(cli, ["events", "list"]).stdout) == [["id", "date", "name", "place"]]


def test_a_name_taken_or_empty_is_refused(scratch_settings: str) -> None:
    first = runner.invoke(cli, ["events", "create", "--name", CONFERENCE, "--date", "2026-11-05"])
    again = runner.invoke(cli, ["events", "create", "--name", CONFERENCE, "--date", "2026-12-01"])
    empty = runner.invoke(cli, ["events", "create", "--name", "", "--date", "2026-12-01"])

    assert first.exit_code == 0, first.output
    assert again.exit_code == 1
    assert "exists already" in again.stderr
    assert empty.exit_code == 2
    assert "--name: String should have at least 1 character" in empty.stderr
    assert len(_rows(runner.invoke(cli, ["events", "list"]).stdout)) == 2


def test_showing_an_unknown_event_fails(scratch_settings: str) -> None:
    result = runner.invoke(cli, ["events", "show", "no such event"])

    assert result.exit_code == 1
    assert "No event with the id or name 'no such event'" in result.stderr


def _panels(help_text: str) -> dict[str, list[str]]:
    """Each panel of a rich help page, by title, with the commands it lists."""
    panels: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in help_text.splitlines():
        if line.startswith("╭─"):
            current = panels.setdefault(line.strip("╭─╮ "), [])
        elif line.startswith("│") and current is not None:
            first_word = line.strip("│ ").split(" ", 1)[0]
            # A wrapped description continues on a line with no command name.
            if first_word and line[2] != " ":
                current.append(first_word)
    return panels


def test_help_lists_the_commands_in_panels_by_who_runs_them() -> None:
    result = runner.invoke(cli, ["--help"])

    assert result.exit_code == 0, result.output
    panels = _panels(result.output)
    panels.pop("Options")
    # In this order, and no command left in a panel of its own ("Commands").
    assert list(panels.items()) == [
        (
            "Service: run, migrate, back up, demo",
            ["serve", "worker", "migrate", "backup", "restore", "demo"],
        ),
        ("Data: bulk loading", ["import"]),
        (
            "Commission: accounts, people, keys, events, reports",
            ["accounts", "users", "keys", "events", "report", "compliance"],
        ),
        ("Research: ranking quality and training", ["evaluate", "train", "infer-profile"]),
    ]

"""The audit trail names its objects: every kind the matrix world creates is named after what
people call it, in one query per kind."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import AuditRecord
from service.audit_log.object_names import PAIR_SEPARATOR, object_names
from tests.http.test_authorization_matrix import build_world
from tests.support.factories import ApiClient


def _names(db_session: Session) -> dict[tuple[str, str], str]:
    records = db_session.scalars(select(AuditRecord)).all()
    return object_names(
        db_session,
        records,
        model_name=lambda version: f"model {version}",
        account_key_name=lambda name: f"key {name}",
        report_title=lambda report: f"titled {report.title}",
    )


def test_every_kind_of_object_is_named_as_people_call_it(
    api: ApiClient, db_session: Session
) -> None:
    world = build_world(api)
    ids = world.ids
    answered = api.client.put(
        f"/v1/investors/{ids['PA']}/feedback/{ids['RX_pub']}",
        headers=world.headers["inv_a"],
        json={"action": "interested"},
    )
    assert answered.status_code in (200, 201), answered.text

    names = _names(db_session)

    # A startup may have several requests: each is named by its title too.
    title = api.client.get(
        f"/v1/financing-requests/{ids['RX_pub']}", headers=world.headers["su_x"]
    ).json()["title"]
    assert names[("financing_request", ids["RX_pub"])] == f"Stepfun{PAIR_SEPARATOR}{title}"
    assert names[("investor_profile", ids["PA"])] == "PA"
    assert names[("event", ids["EV"])] == "matrix conference"
    assert names[("api_key", ids["KA"])] == "key KA"  # worded by the caller
    assert names[("invitation", ids["IA"])] == "UA"
    assert names[("meeting", ids["MA"])] == f"PA{PAIR_SEPARATOR}Stepfun"
    assert names[("outcome", ids["OB"])] == f"PB{PAIR_SEPARATOR}Stepfun"
    # Recorded against the request, and named as it is.
    assert names[("feedback", ids["RX_pub"])] == f"Stepfun{PAIR_SEPARATOR}{title}"
    assert names[("schedule", ids["SC"])] == "matrix conference"
    assert names[("report", ids["RP"])].startswith("titled Match report")
    account_names = {name for (kind, _), name in names.items() if kind == "account"}
    assert {"A", "B", "X", "Y", "commission account"} <= account_names


def test_names_are_read_in_one_query_per_kind(api: ApiClient, db_session: Session) -> None:
    build_world(api)
    records = db_session.scalars(select(AuditRecord)).all()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    bind = db_session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        _names(db_session)
    finally:
        event.remove(bind, "before_cursor_execute", count)

    assert len(records) > 30
    assert len(statements) <= 14  # the kinds named, whatever the number of records

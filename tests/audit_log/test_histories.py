"""A page of objects' histories: newest first, capped per object in SQL, one query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy.orm import Session

from models import AuditRecord
from service.audit_log.service import histories_of

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _record(object_id: str, minutes: int, action: str) -> AuditRecord:
    return AuditRecord(
        occurred_at=START + dt.timedelta(minutes=minutes),
        actor_role="startup",
        action=action,
        object_type="financing_request",
        object_id=object_id,
        changes={},
    )


def test_each_object_keeps_its_newest_records_up_to_the_cap(db_session: Session) -> None:
    busy = "00000000-0000-0000-0000-0000000000b1"
    quiet = "00000000-0000-0000-0000-0000000000b2"
    untouched = "00000000-0000-0000-0000-0000000000b3"
    for minute in range(12):
        db_session.add(_record(busy, minute, f"edit {minute}"))
    db_session.add(_record(quiet, 5, "create"))
    # Another kind of object with the same id is someone else's history.
    other_kind = _record(quiet, 6, "other")
    other_kind.object_type = "event"
    db_session.add(other_kind)
    db_session.flush()

    statements: list[str] = []
    bind = db_session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(bind, "before_cursor_execute", count)
    try:
        histories = histories_of(
            session=db_session,
            object_type="financing_request",
            object_ids=[busy, quiet, untouched],
            limit_each=3,
        )
    finally:
        event.remove(bind, "before_cursor_execute", count)

    assert [record.action for record in histories[busy]] == ["edit 11", "edit 10", "edit 9"]
    assert [record.action for record in histories[quiet]] == ["create"]
    assert histories[untouched] == []
    assert len(statements) == 1
    # The cap is the database's work, not a loop over every record.
    assert "row_number" in statements[0].lower()


def test_no_objects_reads_nothing(db_session: Session) -> None:
    assert (
        histories_of(
            session=db_session, object_type="financing_request", object_ids=[], limit_each=3
        )
        == {}
    )

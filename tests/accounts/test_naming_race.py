"""Two commission officers entering the same firm at the same moment make one account: the
second check for the name waits for the first transaction and sees its account, on SQLite
(one writer at a time) and on PostgreSQL (the naming lock). Each officer works in a
transaction of their own, so this runs on a scratch database outside the test's one."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from models import Account, Role
from service.accounts.service import named_like
from service.core.database import create_db_engine, start_writing
from service.core.migrations import upgrade


def test_the_second_officer_waits_for_the_first_and_sees_the_firm(
    scratch_database_url: str,
) -> None:
    upgrade(scratch_database_url)
    engine = create_db_engine(scratch_database_url)
    found: list[str | None] = []

    def second_officer() -> None:
        with Session(engine) as session:
            start_writing(session)
            account = named_like(session, Role.INVESTOR, "高瓴  资本")
            found.append(None if account is None else account.name)
            session.rollback()

    try:
        with Session(engine) as first:
            start_writing(first)
            assert named_like(first, Role.INVESTOR, "高瓴资本") is None
            first.add(Account(role=Role.INVESTOR, name="高瓴 资本"))
            first.flush()
            racing = threading.Thread(target=second_officer)
            racing.start()
            time.sleep(0.5)
            waited = racing.is_alive()
            first.commit()
        racing.join(timeout=30)

        assert waited, "the second check ran while the first account was not yet committed"
        assert not racing.is_alive()
        assert found == ["高瓴 资本"]
    finally:
        engine.dispose()

"""The impression log writes in batches from a thread of its own, on the real database, and
loses nothing a stopping worker still holds."""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select

from models import Account, FinancingRequest, Impression, InvestorProfile, RequestStatus, Role
from service.core.database import create_db_engine, create_session_factory
from service.core.migrations import upgrade
from service.impressions.log import ImpressionLog, Shown, engine_writer
from tests.support.factories import investor_payload, request_payload


def _pair(database_url: str) -> tuple[str, list[str]]:
    """A mandate and three requests in a fresh database (rows written directly)."""
    engine = create_db_engine(database_url)
    sessions = create_session_factory(engine)
    with sessions() as session:
        owner = Account(role=Role.INVESTOR, name="Investor")
        startup = Account(role=Role.STARTUP, name="Startup")
        session.add_all([owner, startup])
        session.flush()
        mandate = investor_payload()
        profile = InvestorProfile(
            owner_account_id=owner.id,
            name=mandate["name"],
            kind=mandate["kind"],
            origin=mandate["origin"],
            thesis=mandate["thesis"],
            ticket_min=mandate["ticket_min"],
            ticket_max=mandate["ticket_max"],
            currency=mandate["currency"],
        )
        asked = request_payload()
        requests = [
            FinancingRequest(
                owner_account_id=startup.id,
                company=f"Company {n}",
                title=asked["title"],
                summary=asked["summary"],
                amount=asked["amount"],
                currency=asked["currency"],
                stage=asked["stage"],
                status=RequestStatus.PUBLISHED,
            )
            for n in range(3)
        ]
        session.add_all([profile, *requests])
        session.commit()
        pair = profile.id, [r.id for r in requests]
    engine.dispose()
    return pair


def test_batches_are_written_by_the_background_thread_and_on_stop(
    scratch_database_url: str,
) -> None:
    upgrade(scratch_database_url)
    engine = create_db_engine(scratch_database_url)
    profile_id, request_ids = _pair(scratch_database_url)
    write = engine_writer(engine)
    seen_while_writing: list[bool] = []

    def watching(rows: list[dict[str, object]]) -> None:
        # Until its batch is committed, the log still answers for the pairs in it.
        seen_while_writing.append(log.waiting(profile_id, str(rows[0]["financing_request_id"])))
        write(rows)

    log = ImpressionLog(watching, interval=0.05)
    log.start()

    def written() -> int:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Impression)) or 0)

    log.record(profile_id, "default-v1", [Shown(request_ids[0], 1, 0.9)])
    deadline = time.monotonic() + 5
    while written() < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert written() == 1
    assert not log.waiting(profile_id, request_ids[0])
    assert seen_while_writing == [True]

    # A request deleted before its batch is written: that row is dropped, the rest kept.
    with engine.begin() as connection:
        connection.execute(delete(FinancingRequest).where(FinancingRequest.id == request_ids[2]))
    log.stop()  # the thread is gone: what follows is written by the final flush only
    log.record(
        profile_id,
        "default-v1",
        [Shown(request_ids[1], 2, 0.8), Shown(request_ids[2], 3, 0.7)],
    )
    assert log.waiting(profile_id, request_ids[1])
    assert log.flush() == 2
    assert written() == 2
    engine.dispose()

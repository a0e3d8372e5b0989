"""The schema comes only from the migrations, and they go down and up cleanly."""

from __future__ import annotations

import datetime as dt
import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from models import Base
from service.core.database import create_db_engine
from service.core.migrations import downgrade, upgrade

APPLICATION_TABLES = set(Base.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _schema_differences(url: str) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_database_url: str) -> None:
    """Upgrade builds every table, downgrade removes them all, upgrade again rebuilds them."""
    upgrade(scratch_database_url)
    assert _tables(scratch_database_url) == APPLICATION_TABLES
    downgrade(scratch_database_url, "base")
    assert _tables(scratch_database_url) == set()
    upgrade(scratch_database_url)
    assert _tables(scratch_database_url) == APPLICATION_TABLES


def test_migrations_match_the_models(scratch_database_url: str) -> None:
    """Autogenerate finds nothing to add: the models and the migrations agree."""
    upgrade(scratch_database_url)
    assert _schema_differences(scratch_database_url) == []


def test_account_keys_move_to_api_keys_and_back(scratch_database_url: str) -> None:
    """people_and_keys moves each account's key into api_keys and back on downgrade,
    and altering the accounts table leaves the rows that refer to it alone."""
    upgrade(scratch_database_url, "reports")
    engine = create_db_engine(scratch_database_url)
    now = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
    accounts = {"a1": "1" * 64, "a2": "2" * 64}
    try:
        with engine.begin() as connection:
            for account_id, key_hash in accounts.items():
                connection.execute(
                    text(
                        "INSERT INTO accounts (id, role, name, key_hash, created_at) "
                        "VALUES (:id, 'startup', :id, :key_hash, :now)"
                    ),
                    {"id": account_id, "key_hash": key_hash, "now": now},
                )
            connection.execute(
                text(
                    "INSERT INTO financing_requests (id, owner_account_id, company, title, "
                    "summary, amount, currency, stage, status, created_at, updated_at, "
                    "revision) VALUES ('r1', 'a1', 'c', 't', 's', 100, 'CNY', 'seed', "
                    "'submitted', :now, :now, 1)"
                ),
                {"now": now},
            )
        upgrade(scratch_database_url)
        with engine.connect() as connection:
            moved = connection.execute(
                text("SELECT account_id, key_hash, name, user_id, revoked_at FROM api_keys")
            ).all()
            owner = connection.scalar(
                text("SELECT owner_account_id FROM financing_requests WHERE id = 'r1'")
            )
        assert sorted(moved) == [
            ("a1", "1" * 64, "account key", None, None),
            ("a2", "2" * 64, "account key", None, None),
        ]
        assert owner == "a1"
        with engine.begin() as connection:
            # a2's key is revoked and replaced; the downgrade keeps the live one.
            connection.execute(text("UPDATE api_keys SET revoked_at = :now"), {"now": now})
            connection.execute(
                text(
                    "INSERT INTO api_keys (id, account_id, name, prefix, key_hash, created_at) "
                    "VALUES ('k3', 'a2', 'new', 'mk_abc', :key_hash, :now)"
                ),
                {"key_hash": "3" * 64, "now": now},
            )
        downgrade(scratch_database_url, "reports")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, key_hash FROM accounts")).tuples()
            restored = {str(account_id): str(key_hash) for account_id, key_hash in rows}
            owner = connection.scalar(
                text("SELECT owner_account_id FROM financing_requests WHERE id = 'r1'")
            )
        assert restored["a2"] == "3" * 64
        # All of a1's keys were revoked: it gets a hash no key has.
        assert len(restored["a1"]) == 64
        assert restored["a1"] != "1" * 64
        assert owner == "a1"
    finally:
        engine.dispose()


def _mandate_and_requests(connection: Connection, now: dt.datetime, request_ids: list[str]) -> None:
    """Mandate 'p1' and published requests of these ids, in plain SQL (no model is current
    at an old revision)."""
    connection.execute(
        text(
            "INSERT INTO investor_profiles (id, name, kind, origin, thesis, ticket_min, "
            "ticket_max, currency, created_at, updated_at, revision) VALUES ('p1', "
            "'p', 'vc', 'domestic', 't', 1, 2, 'CNY', :now, :now, 1)"
        ),
        {"now": now},
    )
    for request_id in request_ids:
        connection.execute(
            text(
                "INSERT INTO financing_requests (id, company, title, summary, amount, "
                "currency, stage, status, created_at, updated_at, revision) VALUES "
                "(:id, 'c', 't', 's', 100, 'CNY', 'seed', 'published', :now, :now, 1)"
            ),
            {"id": request_id, "now": now},
        )


def test_impressions_keep_their_rows_when_rekeyed(scratch_database_url: str) -> None:
    """impression_log_keys moves every impression into the integer-keyed table, keys rising
    in the order shown, and the downgrade moves them back under new UUID keys."""
    upgrade(scratch_database_url, "webhooks")
    engine = create_db_engine(scratch_database_url)
    shown = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    try:
        with engine.begin() as connection:
            _mandate_and_requests(connection, shown, ["r1", "r2"])
            # Written out of order: the later impression first.
            for key, request_id, minutes in (("i-later", "r2", 5), ("i-first", "r1", 0)):
                connection.execute(
                    text(
                        "INSERT INTO impressions (id, investor_profile_id, financing_request_id,"
                        " position, score, model_version, shown_at) VALUES (:key, 'p1', :request,"
                        " 1, 0.5, 'default-v1', :at)"
                    ),
                    {
                        "key": key,
                        "request": request_id,
                        "at": shown + dt.timedelta(minutes=minutes),
                    },
                )
        upgrade(scratch_database_url)
        with engine.connect() as connection:
            rekeyed = connection.execute(
                text("SELECT id, financing_request_id FROM impressions ORDER BY id")
            ).all()
        assert [request for _, request in rekeyed] == ["r1", "r2"]
        assert all(isinstance(key, int) for key, _ in rekeyed)
        downgrade(scratch_database_url, "webhooks")
        with engine.connect() as connection:
            restored = connection.execute(
                text("SELECT id, financing_request_id, position, model_version FROM impressions")
            ).all()
        assert sorted((request, position, model) for _, request, position, model in restored) == [
            ("r1", 1, "default-v1"),
            ("r2", 1, "default-v1"),
        ]
        assert all(len(str(key)) == 36 for key, *_ in restored)
    finally:
        engine.dispose()


def test_pairs_told_of_by_match_events_become_notices(scratch_database_url: str) -> None:
    """webhook_match_notices holds each pair an existing match.created event told of, once
    (the first event), and none whose mandate or request is gone; other events add none."""
    upgrade(scratch_database_url, "webhook_endpoint_edits")
    engine = create_db_engine(scratch_database_url)
    at = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

    def match(event_id: str, profile: str, request: str) -> str:
        return json.dumps(
            {
                "id": event_id,
                "type": "match.created",
                "data": {"investor_profile_id": profile, "financing_request_id": request},
            }
        )

    try:
        with engine.begin() as connection:
            _mandate_and_requests(connection, at, ["r1"])
            events = [
                ("msg_later", "match.created", match("msg_later", "p1", "r1"), 5),
                ("msg_first", "match.created", match("msg_first", "p1", "r1"), 0),
                ("msg_gone", "match.created", match("msg_gone", "p1", "r-deleted"), 1),
                ("msg_other", "meeting.requested", json.dumps({"data": {}}), 2),
            ]
            for event_id, kind, payload, minutes in events:
                connection.execute(
                    text(
                        "INSERT INTO webhook_events (id, type, payload, expand_pending, "
                        "subject_id, created_at) VALUES (:id, :type, :payload, false, 'p1', :at)"
                    ),
                    {
                        "id": event_id,
                        "type": kind,
                        "payload": payload,
                        "at": at + dt.timedelta(minutes=minutes),
                    },
                )
        upgrade(scratch_database_url)
        with engine.connect() as connection:
            notices = connection.execute(
                text(
                    "SELECT investor_profile_id, financing_request_id, event_id "
                    "FROM webhook_match_notices"
                )
            ).all()
        assert [tuple(row) for row in notices] == [("p1", "r1", "msg_first")]
        downgrade(scratch_database_url, "webhook_endpoint_edits")
        upgrade(scratch_database_url)
    finally:
        engine.dispose()

"""The schema comes only from the migrations, and they go down and up cleanly."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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

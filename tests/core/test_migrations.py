"""The schema comes only from the migrations, and they go down and up cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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

"""Change counters: a write count per table, bumped by triggers, for cheap freshness checks.

Ranking a request's investors needs to know whether any mandate changed since the worker built
its roster. Counting and summing every mandate per ranking costs milliseconds at 10,000
mandates and tens of them at 100,000; a counter that the database bumps on every insert, update
and delete of ``investor_profiles`` (whatever wrote it: the API, an import, a bulk insert) is
one primary-key read.

Revision ID: change_counters
Revises: conference_day
Create Date: 2026-12-02 10:50:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "change_counters"
down_revision: str | None = "conference_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = ("investor_profiles",)


def upgrade() -> None:
    # With the counter, the latest write tells apart two different writes that left the
    # counter at the same value (one rolled back, the other committed).
    op.create_index("ix_investor_profiles_updated_at", "investor_profiles", ["updated_at"])
    op.create_table(
        "change_counters",
        sa.Column("table_name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    for table in COUNTED:
        op.execute(
            sa.text("INSERT INTO change_counters (table_name, value) VALUES (:t, 0)").bindparams(
                t=table
            )
        )
        # The table names are this module's constants, never input.
        bump = f"UPDATE change_counters SET value = value + 1 WHERE table_name = '{table}'"  # noqa: S608
        if op.get_bind().dialect.name == "postgresql":
            # One bump per statement: a bulk write serialises on the counter row once.
            op.execute(
                f"CREATE FUNCTION bump_{table}_counter() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {bump}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_counted AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION bump_{table}_counter()"
            )
        else:
            # SQLite has row triggers only.
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_counted_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {bump}; END"
                )


def downgrade() -> None:
    for table in COUNTED:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_counted ON {table}")
            op.execute(f"DROP FUNCTION bump_{table}_counter()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_counted_{event}")
    op.drop_table("change_counters")
    op.drop_index("ix_investor_profiles_updated_at", table_name="investor_profiles")

"""The pairs match.created events told of get a table of their own, so old events can be
deleted without a pair being told again; events get an index by age for that deletion.

Revision ID: webhook_match_notices
Revises: webhook_endpoint_edits
Create Date: 2026-12-04 17:40:00+00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

revision: str = "webhook_match_notices"
down_revision: str | None = "webhook_endpoint_edits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 400
"""Events per batch: their pairs' ids go in IN lists, under old SQLite's 999 parameters."""


def upgrade() -> None:
    notices = op.create_table(
        "webhook_match_notices",
        sa.Column(
            "investor_profile_id",
            sa.String(36),
            sa.ForeignKey("investor_profiles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "financing_request_id",
            sa.String(36),
            sa.ForeignKey("financing_requests.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_events_created", "webhook_events", ["created_at"])
    # Every pair an existing event told of, once (the first event), where both still exist:
    # events read in batches (psycopg would otherwise fetch them all at once), each batch's
    # pairs checked against the two tables and inserted, a pair already in skipped.
    connection = op.get_bind()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    # Typed columns, so SQLite's stored times come back as datetimes to insert again.
    event_table = sa.table(
        "webhook_events",
        sa.column("id", sa.String()),
        sa.column("type", sa.String()),
        sa.column("payload", sa.Text()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    profiles = sa.table("investor_profiles", sa.column("id", sa.String()))
    requests = sa.table("financing_requests", sa.column("id", sa.String()))
    events = connection.execute(
        sa.select(event_table.c.id, event_table.c.payload, event_table.c.created_at)
        .where(event_table.c.type == "match.created")
        .order_by(event_table.c.created_at, event_table.c.id)
        .execution_options(yield_per=BACKFILL_BATCH)
    )
    while batch := events.fetchmany(BACKFILL_BATCH):
        told: dict[tuple[str, str], dict[str, object]] = {}
        for event_id, payload, created_at in batch:
            data = json.loads(payload)["data"]
            pair = (data["investor_profile_id"], data["financing_request_id"])
            told.setdefault(
                pair,
                {
                    "investor_profile_id": pair[0],
                    "financing_request_id": pair[1],
                    "event_id": event_id,
                    "told_at": created_at,
                },
            )
        known_profiles = set(
            connection.scalars(
                sa.select(profiles.c.id).where(profiles.c.id.in_({p for p, _ in told}))
            )
        )
        known_requests = set(
            connection.scalars(
                sa.select(requests.c.id).where(requests.c.id.in_({r for _, r in told}))
            )
        )
        rows = [
            row
            for (profile_id, request_id), row in told.items()
            if profile_id in known_profiles and request_id in known_requests
        ]
        if rows:
            connection.execute(insert(notices).on_conflict_do_nothing(), rows)


def downgrade() -> None:
    op.drop_index("ix_webhook_events_created", table_name="webhook_events")
    op.drop_table("webhook_match_notices")

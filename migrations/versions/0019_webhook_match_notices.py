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

revision: str = "webhook_match_notices"
down_revision: str | None = "webhook_endpoint_edits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    # Every pair an existing event told of, once (the first event), where both still exist.
    connection = op.get_bind()
    profiles = {row[0] for row in connection.execute(sa.text("SELECT id FROM investor_profiles"))}
    requests = {row[0] for row in connection.execute(sa.text("SELECT id FROM financing_requests"))}
    told: dict[tuple[str, str], dict[str, object]] = {}
    # Typed columns, so SQLite's stored times come back as datetimes to insert again.
    event_table = sa.table(
        "webhook_events",
        sa.column("id", sa.String()),
        sa.column("type", sa.String()),
        sa.column("payload", sa.Text()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    events = connection.execute(
        sa.select(event_table.c.id, event_table.c.payload, event_table.c.created_at)
        .where(event_table.c.type == "match.created")
        .order_by(event_table.c.created_at, event_table.c.id)
    )
    for event_id, payload, created_at in events:
        data = json.loads(payload)["data"]
        pair = (data["investor_profile_id"], data["financing_request_id"])
        if pair in told or pair[0] not in profiles or pair[1] not in requests:
            continue
        told[pair] = {
            "investor_profile_id": pair[0],
            "financing_request_id": pair[1],
            "event_id": event_id,
            "told_at": created_at,
        }
    if told:
        op.bulk_insert(notices, list(told.values()))


def downgrade() -> None:
    op.drop_index("ix_webhook_events_created", table_name="webhook_events")
    op.drop_table("webhook_match_notices")

"""Conference day: event slots and tables, meetings, availability, schedules.

Revision ID: conference_day
Revises: impressions
Create Date: 2026-12-02 10:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "conference_day"
down_revision: str | None = "impressions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("time_zone", sa.String(64), nullable=False, server_default="Asia/Shanghai")
        )
        batch.add_column(sa.Column("tables", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("investor_meeting_cap", sa.Integer(), nullable=True))
    op.create_table(
        "event_slots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "event_id",
            sa.String(36),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", "starts_at", name="uq_event_slots_start"),
    )
    op.create_index("ix_event_slots_event_id", "event_slots", ["event_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "event_id",
            sa.String(36),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "financing_request_id",
            sa.String(36),
            sa.ForeignKey("financing_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "investor_profile_id",
            sa.String(36),
            sa.ForeignKey("investor_profiles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "requested_by",
            _enum("meeting_side", "investor", "startup", "commission"),
            nullable=False,
        ),
        sa.Column(
            "investor_answer",
            _enum("meeting_answer", "pending", "accepted", "declined"),
            nullable=False,
        ),
        sa.Column(
            "startup_answer",
            _enum("meeting_answer", "pending", "accepted", "declined"),
            nullable=False,
        ),
        sa.Column(
            "status",
            _enum("meeting_status", "pending", "accepted", "declined", "cancelled"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "event_id", "financing_request_id", "investor_profile_id", name="uq_meetings_pair"
        ),
    )
    op.create_index("ix_meetings_event_status", "meetings", ["event_id", "status"])
    op.create_index("ix_meetings_financing_request_id", "meetings", ["financing_request_id"])
    op.create_index("ix_meetings_investor_profile_id", "meetings", ["investor_profile_id"])
    op.create_table(
        "availability",
        sa.Column(
            "event_id",
            sa.String(36),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "account_id",
            sa.String(36),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("slot_ids", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "event_id",
            sa.String(36),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_by_account_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("coverage_k", sa.Integer(), nullable=False),
        sa.Column("coverage", sa.Integer(), nullable=False),
        sa.Column("greedy_coverage", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("greedy_score_sum", sa.Float(), nullable=False),
        sa.Column("gap", sa.Float(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("time_limit_seconds", sa.Float(), nullable=False),
        sa.Column("wall_seconds", sa.Float(), nullable=False),
        sa.Column("left_out", sa.JSON(), nullable=False),
        sa.Column("requests_below_k", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_schedules_event_id", "schedules", ["event_id"])
    op.create_table(
        "scheduled_meetings",
        sa.Column(
            "schedule_id",
            sa.String(36),
            sa.ForeignKey("schedules.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "meeting_id",
            sa.String(36),
            sa.ForeignKey("meetings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "slot_id",
            sa.String(36),
            sa.ForeignKey("event_slots.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("table_number", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduled_meetings")
    op.drop_index("ix_schedules_event_id", table_name="schedules")
    op.drop_table("schedules")
    op.drop_table("availability")
    op.drop_index("ix_meetings_investor_profile_id", table_name="meetings")
    op.drop_index("ix_meetings_financing_request_id", table_name="meetings")
    op.drop_index("ix_meetings_event_status", table_name="meetings")
    op.drop_table("meetings")
    op.drop_index("ix_event_slots_event_id", table_name="event_slots")
    op.drop_table("event_slots")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("investor_meeting_cap")
        batch.drop_column("tables")
        batch.drop_column("time_zone")

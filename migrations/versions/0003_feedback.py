"""Feedback: the latest action per investor profile and request, and its history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 06:05:33.725713+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Exact money: NUMERIC on PostgreSQL; integer hundredths on SQLite (see models.types).
MONEY = sa.Numeric(20, 2).with_variant(sa.BigInteger(), "sqlite")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("investor_profile_id", sa.String(length=36), nullable=False),
        sa.Column("financing_request_id", sa.String(length=36), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "interested",
                "pass",
                "meeting",
                "committed",
                name="feedback_action",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "sector",
                "ticket",
                "stage",
                "region",
                "team",
                "valuation",
                "other",
                name="pass_reason",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["financing_request_id"],
            ["financing_requests.id"],
            name=op.f("fk_feedback_financing_request_id_financing_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["investor_profile_id"],
            ["investor_profiles.id"],
            name=op.f("fk_feedback_investor_profile_id_investor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "investor_profile_id", "financing_request_id", name=op.f("pk_feedback")
        ),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_financing_request_id_action",
            ["financing_request_id", "action"],
            unique=False,
        )

    op.create_table(
        "feedback_events",
        sa.Column("investor_profile_id", sa.String(length=36), nullable=False),
        sa.Column("financing_request_id", sa.String(length=36), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "interested",
                "pass",
                "meeting",
                "committed",
                name="feedback_action",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "sector",
                "ticket",
                "stage",
                "region",
                "team",
                "valuation",
                "other",
                name="pass_reason",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("actor_account_id", sa.String(length=36), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["financing_request_id"],
            ["financing_requests.id"],
            name=op.f("fk_feedback_events_financing_request_id_financing_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["investor_profile_id"],
            ["investor_profiles.id"],
            name=op.f("fk_feedback_events_investor_profile_id_investor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_events")),
    )
    with op.batch_alter_table("feedback_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_events_pair",
            ["investor_profile_id", "financing_request_id", "occurred_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback_events", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_events_pair")

    op.drop_table("feedback_events")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_financing_request_id_action")

    op.drop_table("feedback")

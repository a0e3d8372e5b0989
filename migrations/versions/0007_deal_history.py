"""Deals: investors' track records for the learned ranker

Revision ID: deal_history
Revises: rate_limits
Create Date: 2026-11-21 07:35:42.234783+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Exact money: NUMERIC on PostgreSQL; integer hundredths on SQLite (see models.types).
MONEY = sa.Numeric(20, 2).with_variant(sa.BigInteger(), "sqlite")

revision: str = "deal_history"
down_revision: str | None = "rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deals",
        sa.Column("investor_profile_id", sa.String(length=36), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_account_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["investor_profile_id"],
            ["investor_profiles.id"],
            name=op.f("fk_deals_investor_profile_id_investor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deals_investor_profile_id_closed_on",
            ["investor_profile_id", "closed_on"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_investor_profile_id_closed_on")

    op.drop_table("deals")

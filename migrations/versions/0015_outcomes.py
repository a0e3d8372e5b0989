"""Outcomes: deals between investors and financing requests, followed from negotiating to
producing, with every step as it was recorded; each event's deadlines for them.

Revision ID: outcomes
Revises: change_counters
Create Date: 2026-12-02 14:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "outcomes"
down_revision: str | None = "change_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(20, 2).with_variant(sa.BigInteger(), "sqlite")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("registration_due_months", sa.Integer(), nullable=False, server_default="3")
        )
        batch.add_column(
            sa.Column("production_due_months", sa.Integer(), nullable=False, server_default="12")
        )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "investor_profile_id",
            sa.String(36),
            sa.ForeignKey("investor_profiles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "financing_request_id",
            sa.String(36),
            sa.ForeignKey("financing_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id",
            sa.String(36),
            sa.ForeignKey("events.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "stage",
            _enum(
                "outcome_stage",
                "negotiating",
                "signed",
                "registered",
                "funds_in_place",
                "producing",
                "abandoned",
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("signed_amount", MONEY, nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("credit_code", sa.String(18), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("funds_in_place", MONEY, nullable=False),
        sa.Column("funds_in_place_on", sa.Date(), nullable=True),
        sa.Column("producing_on", sa.Date(), nullable=True),
        sa.Column("abandoned_on", sa.Date(), nullable=True),
        sa.Column("abandoned_reason", sa.Text(), nullable=True),
        sa.Column("created_by_account_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    # One live deal per pair, whatever races past the service's check.
    op.create_index(
        "uq_outcomes_live_pair",
        "outcomes",
        ["investor_profile_id", "financing_request_id"],
        unique=True,
        postgresql_where=sa.text("stage != 'abandoned'"),
        sqlite_where=sa.text("stage != 'abandoned'"),
    )
    op.create_index("ix_outcomes_stage", "outcomes", ["stage"])
    op.create_index("ix_outcomes_financing_request_id", "outcomes", ["financing_request_id"])
    op.create_index("ix_outcomes_event_id", "outcomes", ["event_id"])
    op.create_table(
        "outcome_steps",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "outcome_id",
            sa.String(36),
            sa.ForeignKey("outcomes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "kind",
            _enum(
                "outcome_step_kind", "sign", "register", "tranche", "produce", "amend", "abandon"
            ),
            nullable=False,
        ),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("recorded_by_account_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outcome_steps_outcome_id", "outcome_steps", ["outcome_id"])


def downgrade() -> None:
    op.drop_index("ix_outcome_steps_outcome_id", table_name="outcome_steps")
    op.drop_table("outcome_steps")
    op.drop_index("ix_outcomes_event_id", table_name="outcomes")
    op.drop_index("ix_outcomes_financing_request_id", table_name="outcomes")
    op.drop_index("ix_outcomes_stage", table_name="outcomes")
    op.drop_index("uq_outcomes_live_pair", table_name="outcomes")
    op.drop_table("outcomes")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("production_due_months")
        batch.drop_column("registration_due_months")

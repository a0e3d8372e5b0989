"""What was shown: the impressions of pages of matches, and whether feedback answered one.

Revision ID: impressions
Revises: startup_contact
Create Date: 2026-12-02 06:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "impressions"
down_revision: str | None = "startup_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "impressions",
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
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_impressions_pair", "impressions", ["investor_profile_id", "financing_request_id"]
    )
    op.create_index(
        "ix_impressions_request_position", "impressions", ["financing_request_id", "position"]
    )
    op.create_index("ix_impressions_model_version", "impressions", ["model_version"])
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("shown", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("shown")
    op.drop_index("ix_impressions_model_version", table_name="impressions")
    op.drop_index("ix_impressions_request_position", table_name="impressions")
    op.drop_index("ix_impressions_pair", table_name="impressions")
    op.drop_table("impressions")

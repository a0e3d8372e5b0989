"""Match index inputs (stored text features, an index on updated_at); publication time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 05:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_features", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_financing_requests_updated_at"), ["updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_requests_updated_at"))
        batch_op.drop_column("published_at")
        batch_op.drop_column("text_features")

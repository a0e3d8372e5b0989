"""Invitations can be withdrawn before they are used: the time they were.

Revision ID: invitation_withdrawal
Revises: webhook_match_notices
Create Date: 2026-12-06 08:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "invitation_withdrawal"
down_revision: str | None = "webhook_match_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invitations") as table:
        table.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitations") as table:
        table.drop_column("withdrawn_at")

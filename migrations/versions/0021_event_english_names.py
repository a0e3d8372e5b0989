"""Events can be named for English readers too: an English name and place, both optional.

Revision ID: event_english_names
Revises: invitation_withdrawal
Create Date: 2026-12-07 07:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "event_english_names"
down_revision: str | None = "invitation_withdrawal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as table:
        table.add_column(sa.Column("name_en", sa.String(200), nullable=True))
        table.add_column(sa.Column("place_en", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as table:
        table.drop_column("place_en")
        table.drop_column("name_en")

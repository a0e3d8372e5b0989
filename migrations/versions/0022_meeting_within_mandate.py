"""A meeting keeps whether its pair was a match when asked for: a pair outside the mandate
may score 0.6 on ticket and stage alone, and the pages say it is outside.

Revision ID: meeting_within_mandate
Revises: event_english_names
Create Date: 2026-12-07 10:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "meeting_within_mandate"
down_revision: str | None = "event_english_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Meetings asked before keep None: whether their pair fitted then is not known.
    with op.batch_alter_table("meetings") as table:
        table.add_column(sa.Column("within_mandate", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as table:
        table.drop_column("within_mandate")

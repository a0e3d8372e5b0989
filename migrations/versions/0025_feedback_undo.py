"""An undo is kept in an answer's history as what it is: the answer taken back, marked as an
undo, so that undoing again goes one answer further back instead of restoring the one just
taken back.

Revision ID: feedback_undo
Revises: feedback_note
Create Date: 2026-12-07 18:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "feedback_undo"
down_revision: str | None = "feedback_note"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback_events") as table:
        table.add_column(
            sa.Column("undoes", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback_events") as table:
        table.drop_column("undoes")

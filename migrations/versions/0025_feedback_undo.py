"""An undo is kept in an answer's history as what it is: an entry naming the answer entry it
took back, so that undoing again takes back the answer before it instead of restoring the one
just taken back, and so that an answer taken back counts nowhere.

Histories written before it recorded an undo as the answer restored, which reads as an answer
given again; they are left as they are.

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
        table.add_column(sa.Column("undoes_event_id", sa.String(36), nullable=True))


def downgrade() -> None:
    # Without the column an undo entry would read as the answer it took back, given again.
    op.execute("DELETE FROM feedback_events WHERE undoes_event_id IS NOT NULL")
    with op.batch_alter_table("feedback_events") as table:
        table.drop_column("undoes_event_id")

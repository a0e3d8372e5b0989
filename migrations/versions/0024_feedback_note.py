"""A pass can carry the investor's own words: a short note beside the reason, kept with the
answer and in its history.

Revision ID: feedback_note
Revises: request_english_text
Create Date: 2026-12-07 14:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "feedback_note"
down_revision: str | None = "request_english_text"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table_name in ("feedback", "feedback_events"):
        with op.batch_alter_table(table_name) as table:
            table.add_column(sa.Column("note", sa.String(500), nullable=True))


def downgrade() -> None:
    for table_name in ("feedback_events", "feedback"):
        with op.batch_alter_table(table_name) as table:
            table.drop_column("note")

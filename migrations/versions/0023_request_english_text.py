"""A financing request can be described for English readers too: an English title and
summary, both optional.

Revision ID: request_english_text
Revises: meeting_within_mandate
Create Date: 2026-12-07 13:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "request_english_text"
down_revision: str | None = "meeting_within_mandate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("financing_requests") as table:
        table.add_column(sa.Column("title_en", sa.String(300), nullable=True))
        table.add_column(sa.Column("summary_en", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("financing_requests") as table:
        table.drop_column("summary_en")
        table.drop_column("title_en")

"""Webhook endpoints can be edited: a revision for If-Match, and the secret before a rotation
with the time until which deliveries are signed with it too.

Revision ID: webhook_endpoint_edits
Revises: impression_log_keys
Create Date: 2026-12-03 18:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "webhook_endpoint_edits"
down_revision: str | None = "impression_log_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as table:
        table.add_column(sa.Column("previous_secret", sa.String(200), nullable=True))
        table.add_column(
            sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True)
        )
        table.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as table:
        table.drop_column("revision")
        table.drop_column("previous_secret_until")
        table.drop_column("previous_secret")
